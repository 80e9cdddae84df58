import React, { useState } from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';

import { Components } from '../selectors';
import { AnalyticsOptions, AnalyticsSecrets } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { mockLayout, pick, pickCustom } from './testUtils';

const S = Components.ConfigEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

type Settings = DataSourceSettings<AnalyticsOptions, AnalyticsSecrets>;

function settings(jsonData: AnalyticsOptions, more: Partial<Settings> = {}): Settings {
  // Without the deprecated `database` (Elasticsearch and InfluxDB only), hence the assertion.
  return {
    id: 1,
    uid: 'inference-logs',
    orgId: 1,
    name: 'Inference logs',
    typeLogoUrl: '',
    type: 'inferencelog-analytics-datasource',
    typeName: 'Inference Log Analytics',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData,
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...more,
  } as Settings;
}

/** Renders the editor the way Grafana does: every change comes back as the new options. */
function setup(jsonData: AnalyticsOptions = {}, more: Partial<Settings> = {}) {
  const onOptionsChange = jest.fn();
  function Host() {
    const [options, setOptions] = useState(settings(jsonData, more));
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  const last = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, last };
}

function type(testId: string, text: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value: text } });
}

describe('ConfigEditor', () => {
  it('starts in local mode with one empty path row and asks for a path', () => {
    setup();
    expect(screen.getByRole('radio', { name: 'Local files' })).toBeChecked();
    expect(screen.getByTestId(S.paths.input(0))).toHaveValue('');
    expect(screen.getByText('Add at least one path')).toBeInTheDocument();
    expect(screen.queryByTestId(S.proxyUrl)).not.toBeInTheDocument();
    expect(screen.getByTestId(S.maxRows)).toHaveAttribute('placeholder', '10000');
  });

  it('adds, edits and removes log paths, storing the non-empty ones', () => {
    const { last, onOptionsChange } = setup({ paths: ['/var/log/a'] });
    expect(screen.getByTestId(S.paths.input(0))).toHaveValue('/var/log/a');
    fireEvent.click(screen.getByTestId(S.paths.add));
    expect(onOptionsChange).not.toHaveBeenCalled();
    type(S.paths.input(1), '/var/log/b/*.log*');
    expect(last().jsonData.paths).toEqual(['/var/log/a', '/var/log/b/*.log*']);
    fireEvent.click(screen.getByTestId(S.paths.remove(0)));
    expect(last().jsonData.paths).toEqual(['/var/log/b/*.log*']);
    expect(screen.getByTestId(S.paths.input(0))).toHaveValue('/var/log/b/*.log*');
    expect(screen.queryByTestId(S.paths.input(1))).not.toBeInTheDocument();
  });

  it('keeps an empty row to type into when the last path is removed', () => {
    const { last } = setup({ paths: ['/var/log/a'] });
    fireEvent.click(screen.getByTestId(S.paths.remove(0)));
    expect(last().jsonData.paths).toEqual([]);
    expect(screen.getByTestId(S.paths.input(0))).toHaveValue('');
  });

  it('maps our field names to the log fields', async () => {
    const { last } = setup({ paths: ['/logs'] });
    fireEvent.click(screen.getByTestId(S.fieldMap.add));
    await pick(S.fieldMap.ours(0), 'latency_ms');
    type(S.fieldMap.theirs(0), 'duration_ms');
    expect(last().jsonData.fieldMap).toEqual({ latency_ms: 'duration_ms' });

    fireEvent.click(screen.getByTestId(S.fieldMap.add));
    await pickCustom(S.fieldMap.ours(1), 'host');
    type(S.fieldMap.theirs(1), 'hostname');
    expect(last().jsonData.fieldMap).toEqual({ latency_ms: 'duration_ms', host: 'hostname' });

    fireEvent.click(screen.getByTestId(S.fieldMap.remove(0)));
    expect(last().jsonData.fieldMap).toEqual({ host: 'hostname' });
    fireEvent.click(screen.getByTestId(S.fieldMap.remove(0)));
    expect(last().jsonData.fieldMap).toBeUndefined();
  });

  it('shows saved mappings and warns about a field mapped twice', async () => {
    setup({ fieldMap: { model: 'model_name' } });
    expect(screen.getByTestId(S.fieldMap.ours(0))).toHaveValue('model');
    expect(screen.getByTestId(S.fieldMap.theirs(0))).toHaveValue('model_name');
    fireEvent.click(screen.getByTestId(S.fieldMap.add));
    await pick(S.fieldMap.ours(1), 'model');
    expect(screen.getByText('model is mapped twice; the last row wins')).toBeInTheDocument();
  });

  it("says why a mapping cannot be read, with the backend parser's words", async () => {
    const { last } = setup({ paths: ['/logs'] });
    fireEvent.click(screen.getByTestId(S.fieldMap.add));
    await pick(S.fieldMap.ours(0), 'latency_ms');
    type(S.fieldMap.theirs(0), 'response_time:minutes');
    expect(
      screen.getByText('latency_ms: "response_time:minutes": unknown unit "minutes" (s, ms, us, µs or ns)')
    ).toBeInTheDocument();
    type(S.fieldMap.theirs(0), 'endTime-startTime:s');
    expect(screen.queryByText(/unknown unit/)).not.toBeInTheDocument();
    expect(last().jsonData.fieldMap).toEqual({ latency_ms: 'endTime-startTime:s' });
  });

  it('picks a preset, stored as jsonData.preset (the default format stores none)', async () => {
    const { last } = setup({ paths: ['/logs'] });
    expect(screen.getByTestId(S.preset)).toHaveValue('default');
    await pick(S.preset, 'otel-genai');
    expect(last().jsonData.preset).toBe('otel-genai');
    await pick(S.preset, 'default');
    expect(last().jsonData.preset).toBeUndefined();
  });

  it('edits the success statuses', () => {
    const { last } = setup({ successStatuses: ['success'] });
    const input = screen.getByPlaceholderText('New status (Enter to add)');
    fireEvent.change(input, { target: { value: 'done' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(last().jsonData.successStatuses).toEqual(['success', 'done']);
    fireEvent.click(screen.getByRole('button', { name: /Remove tag: success/i }));
    expect(last().jsonData.successStatuses).toEqual(['done']);
  });

  it('defaults the time zone to UTC and stores a picked IANA zone', async () => {
    const { last } = setup();
    expect(screen.getByTestId(S.timezone)).toHaveValue('UTC');
    const input = screen.getByTestId(S.timezone);
    fireEvent.click(input);
    fireEvent.change(input, { target: { value: 'Europe/Berl' } });
    fireEvent.click(await screen.findByRole('option', { name: 'Europe/Berlin' }));
    expect(last().jsonData.timezone).toBe('Europe/Berlin');
    expect(screen.queryByText(/Unknown time zone/)).not.toBeInTheDocument();
  });

  it('accepts an offset and rejects an unknown zone with a message', async () => {
    const { last } = setup();
    await pickCustom(S.timezone, '+05:30');
    expect(last().jsonData.timezone).toBe('+05:30');
    expect(screen.queryByText(/An offset is/)).not.toBeInTheDocument();
    await pickCustom(S.timezone, '+25:00');
    expect(screen.getByText(/An offset is ±HH:MM/)).toBeInTheDocument();
    await pickCustom(S.timezone, 'Mars/Olympus');
    expect(screen.getByText(/Unknown time zone "Mars\/Olympus"/)).toBeInTheDocument();
  });

  it('stores limits that parse and shows a message for those that do not', () => {
    const { last } = setup({ paths: ['/logs'] });
    type(S.maxRows, '5000');
    expect(last().jsonData.maxRows).toBe(5000);
    type(S.retentionHours, '36.5');
    expect(last().jsonData.retentionHours).toBe(36.5);
    type(S.retentionRows, '2.5');
    expect(screen.getByText('Must be a whole number of at least 1')).toBeInTheDocument();
    expect(last().jsonData.retentionRows).toBeUndefined();
    type(S.retentionRows, '1000000');
    expect(last().jsonData.retentionRows).toBe(1_000_000);
    type(S.maxRows, '');
    expect(last().jsonData.maxRows).toBeUndefined();
  });

  it('switches to remote mode: proxy URL and token instead of paths', () => {
    const { last } = setup({ paths: ['/logs'] });
    fireEvent.click(screen.getByRole('radio', { name: 'Remote proxy' }));
    expect(last().jsonData.mode).toBe('remote');
    expect(screen.queryByTestId(S.paths.container)).not.toBeInTheDocument();
    expect(screen.queryByTestId(S.retentionRows)).not.toBeInTheDocument();
    expect(screen.getByTestId(S.maxRows)).toBeInTheDocument();

    type(S.proxyUrl, 'gpu-host-7:8686');
    fireEvent.blur(screen.getByTestId(S.proxyUrl));
    expect(screen.getByText(/Use an http:\/\/ or https:\/\/ URL/)).toBeInTheDocument();
    type(S.proxyUrl, 'http://gpu-host-7:8686');
    expect(screen.queryByText(/Use an http:\/\/ or https:\/\/ URL/)).not.toBeInTheDocument();
    expect(last().jsonData.proxyUrl).toBe('http://gpu-host-7:8686');

    type(S.proxyToken, 's3cret');
    expect(last().secureJsonData).toEqual({ proxyToken: 's3cret' });
    expect(last().jsonData).not.toHaveProperty('proxyToken');
  });

  it('shows a configured token and resets it', () => {
    const { last } = setup(
      { mode: 'remote', proxyUrl: 'http://gpu-host-7:8686' },
      { secureJsonFields: { proxyToken: true } }
    );
    const token = screen.getByTestId(S.proxyToken);
    expect(token).toHaveValue('configured');
    expect(token).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ proxyToken: false });
    expect(last().secureJsonData).toEqual({ proxyToken: '' });
    expect(screen.getByTestId(S.proxyToken)).not.toBeDisabled();
    expect(within(document.body).queryByRole('button', { name: 'Reset' })).not.toBeInTheDocument();
  });

  it('switches to ClickHouse mode: URL, database, table, user, and the password as a secret', () => {
    const { last } = setup({ paths: ['/logs'] });
    fireEvent.click(screen.getByRole('radio', { name: 'ClickHouse' }));
    expect(last().jsonData.mode).toBe('clickhouse');
    expect(screen.queryByTestId(S.paths.container)).not.toBeInTheDocument();
    expect(screen.queryByTestId(S.proxyUrl)).not.toBeInTheDocument();
    expect(screen.queryByTestId(S.retentionRows)).not.toBeInTheDocument();
    expect(screen.getByTestId(S.maxRows)).toBeInTheDocument();
    expect(screen.getByTestId(S.clickhouseDatabase)).toHaveAttribute('placeholder', 'default');
    expect(screen.getByTestId(S.clickhouseTable)).toHaveAttribute('placeholder', 'inference_logs');

    fireEvent.blur(screen.getByTestId(S.clickhouseUrl));
    expect(screen.getByText(/ClickHouse mode needs the URL/)).toBeInTheDocument();
    type(S.clickhouseUrl, 'http://reader:pw@ch:8123');
    expect(screen.getByText(/Put the password in the Password field/)).toBeInTheDocument();
    type(S.clickhouseUrl, 'http://ch-1:8123');
    expect(screen.queryByText(/Put the password/)).not.toBeInTheDocument();
    type(S.clickhouseDatabase, 'logs');
    type(S.clickhouseTable, 'fleet');
    type(S.clickhouseUser, 'grafana');
    type(S.clickhousePassword, 'pa55');
    expect(last().jsonData).toMatchObject({
      mode: 'clickhouse',
      clickhouseUrl: 'http://ch-1:8123',
      clickhouseDatabase: 'logs',
      clickhouseTable: 'fleet',
      clickhouseUser: 'grafana',
    });
    expect(last().secureJsonData).toEqual({ clickhousePassword: 'pa55' });
    expect(JSON.stringify(last().jsonData)).not.toContain('pa55');
    type(S.clickhouseTable, '');
    expect(last().jsonData.clickhouseTable).toBeUndefined();
  });

  it('shows a configured ClickHouse password and resets it', () => {
    const { last } = setup(
      { mode: 'clickhouse', clickhouseUrl: 'http://ch-1:8123' },
      { secureJsonFields: { clickhousePassword: true } }
    );
    const password = screen.getByTestId(S.clickhousePassword);
    expect(password).toHaveValue('configured');
    expect(password).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ clickhousePassword: false });
    expect(last().secureJsonData).toEqual({ clickhousePassword: '' });
    expect(screen.getByTestId(S.clickhousePassword)).not.toBeDisabled();
  });
});
