/**
 * Private ClickHouse servers for tests: Debian's clickhouse-server (18.16 in CI; .ci/run installs it), each in a
 * temporary folder with its own config, data and logs, listening on 127.0.0.1 only, stopped by its pid. Installs
 * nothing: when the server cannot start, start() throws, so the test fails instead of being skipped.
 */
import { spawn, spawnSync } from 'child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';

export interface ClickHouseServer {
  dir: string;
  pid: number;
  tcpPort: number;
  httpPort: number;
  /** http://127.0.0.1:<httpPort> */
  url: string;
}

/** A shard of a test cluster: its TCP port on 127.0.0.1. */
export interface ClusterShard {
  tcpPort: number;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel; the server binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Ports for one server: TCP, HTTP, and HTTP + 1 free too (the server's interserver port). */
export async function serverPorts(): Promise<{ tcpPort: number; httpPort: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcpPort = await freePort();
    const httpPort = await freePort();
    const probe = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(httpPort + 1, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (ok && tcpPort !== httpPort + 1) {
      return { tcpPort, httpPort };
    }
  }
  throw new Error('no free ports for a ClickHouse server');
}

/** `<remote_servers>` naming a cluster of single-replica shards on 127.0.0.1. */
function clusterXml(name: string, shards: ClusterShard[]): string {
  const shardXml = shards
    .map((s) => `<shard><replica><host>127.0.0.1</host><port>${s.tcpPort}</port></replica></shard>`)
    .join('');
  return `<?xml version="1.0"?>\n<yandex><remote_servers><${name}>${shardXml}</${name}></remote_servers></yandex>\n`;
}

/**
 * Starts a server in a fresh temporary folder and waits until it answers a query. `cluster`: a remote_servers
 * entry written into config.d. `password`: the default user's password (empty: none).
 */
export async function startClickHouse(
  options: {
    ports?: { tcpPort: number; httpPort: number };
    cluster?: { name: string; shards: ClusterShard[] };
    password?: string;
  } = {}
): Promise<ClickHouseServer> {
  const found = spawnSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server; .ci/run does)');
  }
  const { tcpPort, httpPort } = options.ports ?? (await serverPorts());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ch-test.'));
  for (const sub of ['data', 'tmp', 'user_files', 'log', 'config.d']) {
    mkdirSync(path.join(dir, sub));
  }
  writeFileSync(
    path.join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog><size>100M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>${tcpPort}</tcp_port>
  <http_port>${httpPort}</http_port>
  <interserver_http_port>${httpPort + 1}</interserver_http_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <keep_alive_timeout>1</keep_alive_timeout>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
`
  );
  const password = (options.password ?? '').replace(/[<&]/g, '');
  writeFileSync(
    path.join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password>${password}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
  );
  if (options.cluster) {
    writeFileSync(path.join(dir, 'config.d', 'cluster.xml'), clusterXml(options.cluster.name, options.cluster.shards));
  }
  // Own session (setsid): the test runner's signals do not reach it; it is stopped by pid below.
  const child = spawn('setsid', ['clickhouse-server', `--config-file=${dir}/config.xml`], {
    stdio: 'ignore',
    detached: false,
  });
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('could not spawn clickhouse-server');
  }
  child.unref();
  const server = { dir, pid, tcpPort, httpPort, url: `http://127.0.0.1:${httpPort}` };
  const headers = { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': options.password ?? '' };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      break;
    }
    try {
      const r = await fetch(`${server.url}/`, { method: 'POST', body: 'SELECT 1', headers });
      if (r.ok) {
        return server;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let log = '';
  try {
    log = readFileSync(path.join(dir, 'log', 'err.log'), 'utf8')
      .split('\n')
      .slice(-40)
      .join('\n');
  } catch {
    // no log written
  }
  await stopClickHouse(server);
  throw new Error(`clickhouse-server did not start on 127.0.0.1:${httpPort}:\n${log}`);
}

/** SIGTERM by pid, wait until gone (SIGKILL after 30 s), remove the folder. */
export async function stopClickHouse(server: ClickHouseServer): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(server.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) {
    process.kill(server.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (alive()) {
      process.kill(server.pid, 'SIGKILL');
    }
  }
  rmSync(server.dir, { recursive: true, force: true });
}
