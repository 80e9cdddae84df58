import type { PluginContext } from '../../pkg/grafana/messages';

/**
 * The plugin context Grafana sends with every call, for a data source with these settings (jsonData) and
 * decrypted secrets: shared by the tests that call the backend in-process. A new `lastUpdatedMS` is a saved
 * change of the settings (a new instance).
 */
export function pluginContext(
  jsonData: object,
  {
    secrets = {},
    uid = 'ds1',
    lastUpdatedMS = 1,
  }: { secrets?: Record<string, string>; uid?: string; lastUpdatedMS?: number } = {}
): PluginContext {
  return {
    orgId: 1,
    pluginId: 'inferencelog-analytics-datasource',
    grafanaConfig: {},
    pluginVersion: '0.1.0',
    userAgent: '',
    apiVersion: '',
    namespace: '',
    dataSourceInstanceSettings: {
      id: 1,
      uid,
      name: uid,
      url: '',
      user: '',
      database: '',
      basicAuthEnabled: false,
      basicAuthUser: '',
      jsonData: Buffer.from(JSON.stringify(jsonData)),
      decryptedSecureJsonData: secrets,
      lastUpdatedMS,
      apiVersion: '',
    },
  };
}
