import React, { ReactNode, useState } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import {
  Button,
  Combobox,
  ComboboxOption,
  Divider,
  Field,
  IconButton,
  Input,
  RadioButtonGroup,
  SecretInput,
  Stack,
  TagsInput,
  Text,
} from '@grafana/ui';

import { DEFAULT_MAX_ROWS } from '../../pkg/model/settings';
import { FieldExpression } from '../../pkg/sources/field-map';
import { PRESETS } from '../../pkg/sources/presets';
import { Components } from '../selectors';
import { AnalyticsOptions, AnalyticsSecrets } from '../types';
import {
  parsePositiveInteger,
  parsePositiveNumber,
  validateClickHouseUrl,
  validateProxyUrl,
  validateTimezone,
} from './validation';

type Props = DataSourcePluginOptionsEditorProps<AnalyticsOptions, AnalyticsSecrets>;

const selectors = Components.ConfigEditor;
const WIDTH = 60;

type Mode = NonNullable<AnalyticsOptions['mode']>;

const MODE_OPTIONS: Array<{ label: string; value: Mode; description: string }> = [
  { label: 'Local files', value: 'local', description: 'Read log files on the Grafana server' },
  { label: 'Remote proxy', value: 'remote', description: 'Ask an inference-logs proxy on the host with the logs' },
  {
    label: 'ClickHouse',
    value: 'clickhouse',
    description: 'Compute every answer in ClickHouse, from the logs a fleet ships there',
  },
];

/** The secrets the editor sets, each write-only from the browser. */
type SecretName = keyof AnalyticsSecrets;

/** Our field names, the ones a mapping usually renames. */
const OUR_FIELDS = [
  'timestamp',
  'model',
  'latency_ms',
  'request_id',
  'status',
  'batch_size',
  'gpu_util',
  'memory_used_gb',
  'input_tokens',
  'output_tokens',
  'ttft_ms',
];

function timezoneOptions(current: string): Array<ComboboxOption<string>> {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const names = ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
  if (current !== '' && !names.includes(current)) {
    names.unshift(current);
  }
  return names.map((value) => ({
    value,
    description: value === 'UTC' ? 'Default; offsets such as +02:00 can be typed' : undefined,
  }));
}

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Stack direction="column" gap={1}>
      <Text element="h3">{title}</Text>
      <Text color="secondary">{description}</Text>
      <div>{children}</div>
    </Stack>
  );
}

/**
 * The data source settings: where the logs are (local files or a remote proxy), how to read them
 * and how much to keep. "Save & test" then shows the backend's health message.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const mode = jsonData.mode ?? 'local';

  const setJsonData = (patch: Partial<AnalyticsOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, ...patch } });

  /** A SecretInput's props: shown as configured once saved, reset to type a new one. */
  const secret = (name: SecretName) => ({
    isConfigured: Boolean(secureJsonFields?.[name]),
    value: options.secureJsonData?.[name] ?? '',
    onChange: (event: React.FormEvent<HTMLInputElement>) =>
      onOptionsChange({
        ...options,
        secureJsonData: { ...options.secureJsonData, [name]: event.currentTarget.value },
      }),
    onReset: () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...options.secureJsonFields, [name]: false },
        secureJsonData: { ...options.secureJsonData, [name]: '' },
      }),
  });

  return (
    <Stack direction="column" gap={2}>
      <Section title="Logs" description="Where the inference server request logs (JSON lines) are.">
        <Field
          label="Mode"
          description="Local reads files the Grafana server can see; remote forwards queries to `inference-logs serve` on the host with the logs; ClickHouse queries the logs `inference-logs ship` sent there."
        >
          <RadioButtonGroup
            data-testid={selectors.mode}
            options={MODE_OPTIONS}
            value={mode}
            onChange={(value) => setJsonData({ mode: value })}
          />
        </Field>
        {mode === 'local' && <PathsField paths={jsonData.paths ?? []} onChange={(paths) => setJsonData({ paths })} />}
        {mode === 'clickhouse' && (
          <>
            <UrlField
              value={jsonData.clickhouseUrl ?? ''}
              onChange={(clickhouseUrl) => setJsonData({ clickhouseUrl })}
              label="ClickHouse URL"
              description="ClickHouse's HTTP interface as the Grafana server reaches it (port 8123 by default); no password in it."
              validate={validateClickHouseUrl}
              testId={selectors.clickhouseUrl}
              id="inferencelog-clickhouse-url"
              placeholder="http://127.0.0.1:8123"
            />
            <TextField
              label="Database"
              description="The database `inference-logs clickhouse init` created the tables in."
              value={jsonData.clickhouseDatabase}
              placeholder="default"
              onChange={(clickhouseDatabase) => setJsonData({ clickhouseDatabase })}
              testId={selectors.clickhouseDatabase}
            />
            <TextField
              label="Table"
              description="The log table (lines the shippers skipped are in <table>_skips)."
              value={jsonData.clickhouseTable}
              placeholder="inference_logs"
              onChange={(clickhouseTable) => setJsonData({ clickhouseTable })}
              testId={selectors.clickhouseTable}
            />
            <TextField
              label="User"
              description="A ClickHouse user that may read the two tables (readonly is enough)."
              value={jsonData.clickhouseUser}
              placeholder="default"
              onChange={(clickhouseUser) => setJsonData({ clickhouseUser })}
              testId={selectors.clickhouseUser}
            />
            <Field
              label="Password"
              description="The user's password; stored encrypted, never sent back to the browser."
            >
              <SecretInput
                data-testid={selectors.clickhousePassword}
                id="inferencelog-clickhouse-password"
                width={WIDTH}
                placeholder="Password"
                {...secret('clickhousePassword')}
              />
            </Field>
          </>
        )}
        {mode === 'remote' && (
          <>
            <UrlField
              value={jsonData.proxyUrl ?? ''}
              onChange={(proxyUrl) => setJsonData({ proxyUrl })}
              label="Proxy URL"
              description="Base URL of `inference-logs serve` on the host with the logs, as the Grafana server reaches it."
              validate={validateProxyUrl}
              testId={selectors.proxyUrl}
              id="inferencelog-proxy-url"
              placeholder="http://gpu-host-7:8686"
            />
            <Field
              label="Proxy token"
              description="Bearer token the proxy was started with (--token); stored encrypted, never sent back to the browser."
            >
              <SecretInput
                data-testid={selectors.proxyToken}
                id="inferencelog-proxy-token"
                width={WIDTH}
                placeholder="Token"
                {...secret('proxyToken')}
              />
            </Field>
          </>
        )}
      </Section>

      {mode === 'local' && (
        <>
          <Divider />
          <Section title="Reading" description="How to read logs that differ from the default format.">
            <PresetField value={jsonData.preset} onChange={(preset) => setJsonData({ preset })} />
            <FieldMapField value={jsonData.fieldMap} onChange={(fieldMap) => setJsonData({ fieldMap })} />
            <Field
              label="Success statuses"
              description="Statuses that are not errors (any case); replaces success and ok. 2xx codes always count as success."
            >
              <TagsInput
                id="inferencelog-success-statuses"
                width={WIDTH}
                placeholder="New status (Enter to add)"
                tags={jsonData.successStatuses ?? []}
                onChange={(tags) => setJsonData({ successStatuses: tags.length > 0 ? tags : undefined })}
              />
            </Field>
            <TimezoneField value={jsonData.timezone ?? ''} onChange={(timezone) => setJsonData({ timezone })} />
          </Section>
        </>
      )}

      <Divider />
      <Section title="Limits" description="How much the backend returns and keeps in memory.">
        <NumberField
          label="Max rows"
          description="Most rows a table answer (anomalies, logs) returns."
          value={jsonData.maxRows}
          placeholder={String(DEFAULT_MAX_ROWS)}
          parse={parsePositiveInteger}
          onChange={(maxRows) => setJsonData({ maxRows })}
          testId={selectors.maxRows}
        />
        {mode === 'local' && (
          <>
            <NumberField
              label="Retention (hours)"
              description="Keep at most this many hours of requests in memory, oldest leave first; empty keeps all."
              value={jsonData.retentionHours}
              placeholder="Keep all"
              parse={parsePositiveNumber}
              onChange={(retentionHours) => setJsonData({ retentionHours })}
              testId={selectors.retentionHours}
            />
            <NumberField
              label="Retention (rows)"
              description="Keep at most this many requests in memory; empty keeps all."
              value={jsonData.retentionRows}
              placeholder="Keep all"
              parse={parsePositiveInteger}
              onChange={(retentionRows) => setJsonData({ retentionRows })}
              testId={selectors.retentionRows}
            />
          </>
        )}
      </Section>
    </Stack>
  );
}

/**
 * A column of rows inside a Field. Field hands its child `invalid`, `disabled` and `loading`
 * props, which a DOM element must not get; this takes them and keeps them.
 */
function Rows({ testId, children }: { testId: string; children: ReactNode; invalid?: boolean }) {
  return (
    <Stack direction="column" gap={1} data-testid={testId}>
      {children}
    </Stack>
  );
}

/** Log paths: one row each, non-empty rows stored; at least one (empty) row to type into. */
function PathsField({ paths, onChange }: { paths: string[]; onChange: (paths: string[]) => void }) {
  const stored = JSON.stringify(paths);
  const [rows, setRows] = useState<string[]>(paths.length > 0 ? paths : ['']);
  const [seen, setSeen] = useState(stored);
  if (stored !== seen) {
    setSeen(stored);
    if (JSON.stringify(cleanPaths(rows)) !== stored) {
      setRows(paths.length > 0 ? paths : ['']);
    }
  }
  const update = (next: string[]) => {
    setRows(next);
    const cleaned = cleanPaths(next);
    if (JSON.stringify(cleaned) !== stored) {
      onChange(cleaned);
    }
  };
  const empty = cleanPaths(rows).length === 0;

  return (
    <Field
      label="Log paths"
      description="Files, directories (read recursively) or globs such as /var/log/infer/*.log*, as the Grafana server sees them. .gz files are read too."
      invalid={empty}
      error={empty ? 'Add at least one path' : undefined}
    >
      <Rows testId={selectors.paths.container}>
        {rows.map((path, index) => (
          <Stack key={index} gap={1} alignItems="center">
            <Input
              data-testid={selectors.paths.input(index)}
              aria-label={`Log path ${index + 1}`}
              width={WIDTH}
              value={path}
              placeholder="/var/log/inference"
              onChange={(event) => update(rows.map((p, i) => (i === index ? event.currentTarget.value : p)))}
            />
            <IconButton
              data-testid={selectors.paths.remove(index)}
              name="trash-alt"
              tooltip="Remove this path"
              aria-label={`Remove log path ${index + 1}`}
              disabled={rows.length === 1 && path === ''}
              onClick={() => {
                const next = rows.filter((_, i) => i !== index);
                update(next.length > 0 ? next : ['']);
              }}
            />
          </Stack>
        ))}
        <div>
          <Button
            data-testid={selectors.paths.add}
            icon="plus"
            variant="secondary"
            size="sm"
            onClick={() => setRows([...rows, ''])}
          >
            Add path
          </Button>
        </div>
      </Rows>
    </Field>
  );
}

function cleanPaths(rows: string[]): string[] {
  return rows.map((p) => p.trim()).filter((p) => p !== '');
}

interface MapRow {
  ours: string;
  theirs: string;
}

function mapOf(rows: MapRow[]): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  for (const row of rows) {
    if (row.ours.trim() !== '' && row.theirs.trim() !== '') {
      map[row.ours.trim()] = row.theirs.trim();
    }
  }
  return Object.keys(map).length > 0 ? map : undefined;
}

/** Field mapping: rows of our field name → the log's; complete rows stored as jsonData.fieldMap. */
function FieldMapField({
  value,
  onChange,
}: {
  value: Record<string, string> | undefined;
  onChange: (map: Record<string, string> | undefined) => void;
}) {
  const stored = JSON.stringify(value ?? {});
  const fromValue = (): MapRow[] => Object.entries(value ?? {}).map(([ours, theirs]) => ({ ours, theirs }));
  const [rows, setRows] = useState<MapRow[]>(fromValue);
  const [seen, setSeen] = useState(stored);
  if (stored !== seen) {
    setSeen(stored);
    if (JSON.stringify(mapOf(rows) ?? {}) !== stored) {
      setRows(fromValue());
    }
  }
  const update = (next: MapRow[]) => {
    setRows(next);
    const map = mapOf(next);
    if (JSON.stringify(map ?? {}) !== stored) {
      onChange(map);
    }
  };
  const setRow = (index: number, patch: Partial<MapRow>) =>
    update(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const duplicates = rows
    .map((row) => row.ours)
    .filter((ours, index, all) => ours !== '' && all.indexOf(ours) !== index);
  const problem = rows.map(mappingProblem).find((message) => message !== undefined);
  const error = problem ?? (duplicates.length > 0 ? `${duplicates[0]} is mapped twice; the last row wins` : undefined);

  return (
    <Field
      label="Field mapping"
      description="When your logs name a field differently: our name → where it is in your logs. A name (duration_ms), a nested path (attributes.duration, attributes[gen_ai.request.model]), a unit (response_time:s; s, ms, us, ns), a difference (endTime-startTime), alternatives (a|b) or a constant ('llama-3-8b'). Overrides the preset's entries."
      invalid={error !== undefined}
      error={error}
    >
      <Rows testId={selectors.fieldMap.container}>
        {rows.map((row, index) => (
          <Stack key={index} gap={1} alignItems="center">
            <Combobox<string>
              data-testid={selectors.fieldMap.ours(index)}
              aria-label={`Our field ${index + 1}`}
              width={24}
              placeholder="Our field"
              options={[...OUR_FIELDS, ...(row.ours && !OUR_FIELDS.includes(row.ours) ? [row.ours] : [])].map(
                (name) => ({ value: name })
              )}
              value={row.ours || null}
              createCustomValue
              onChange={(option) => setRow(index, { ours: option.value })}
            />
            <Text>→</Text>
            <Input
              data-testid={selectors.fieldMap.theirs(index)}
              aria-label={`Field in the logs ${index + 1}`}
              width={40}
              invalid={mappingProblem(row) !== undefined}
              placeholder="Field in your logs"
              value={row.theirs}
              onChange={(event) => setRow(index, { theirs: event.currentTarget.value })}
            />
            <IconButton
              data-testid={selectors.fieldMap.remove(index)}
              name="trash-alt"
              tooltip="Remove this mapping"
              aria-label={`Remove mapping ${index + 1}`}
              onClick={() => update(rows.filter((_, i) => i !== index))}
            />
          </Stack>
        ))}
        <div>
          <Button
            data-testid={selectors.fieldMap.add}
            icon="plus"
            variant="secondary"
            size="sm"
            onClick={() => setRows([...rows, { ours: '', theirs: '' }])}
          >
            Add mapping
          </Button>
        </div>
      </Rows>
    </Field>
  );
}

/** Why a complete mapping row cannot be read (the backend's own parser says), else undefined. */
function mappingProblem(row: MapRow): string | undefined {
  if (row.ours.trim() === '' || row.theirs.trim() === '') {
    return undefined;
  }
  try {
    new FieldExpression(row.ours.trim(), row.theirs.trim());
    return undefined;
  } catch (error) {
    return `${row.ours.trim()}: ${(error as Error).message}`;
  }
}

/** A named field map for a known log format; the default format needs none. */
function PresetField({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (preset: string | undefined) => void;
}) {
  const current = value && Object.hasOwn(PRESETS, value) ? PRESETS[value] : PRESETS.default;
  return (
    <Field
      label="Log format preset"
      description={`A named field map for a known format (README "Presets"). ${current.description}.`}
      invalid={value !== undefined && value !== '' && !Object.hasOwn(PRESETS, value)}
      error={value && !Object.hasOwn(PRESETS, value) ? `unknown preset "${value}"` : undefined}
    >
      <Combobox<string>
        data-testid={selectors.preset}
        id="inferencelog-preset"
        width={WIDTH}
        options={Object.values(PRESETS).map((preset) => ({ value: preset.name, description: preset.description }))}
        value={current.name}
        onChange={(option) => onChange(option.value === 'default' ? undefined : option.value)}
      />
    </Field>
  );
}

/** Zone of naive timestamps: UTC (default), an IANA name from the list, or a typed offset. */
function TimezoneField({ value, onChange }: { value: string; onChange: (timezone: string | undefined) => void }) {
  const error = validateTimezone(value);
  return (
    <Field
      label="Time zone of naive timestamps"
      description="Zone of timestamps written without one: UTC (default), an offset such as +02:00, or an IANA name such as Europe/Berlin (daylight saving handled)."
      invalid={error !== undefined}
      error={error}
    >
      <Combobox<string>
        data-testid={selectors.timezone}
        id="inferencelog-timezone"
        width={WIDTH}
        options={timezoneOptions(value)}
        value={value || 'UTC'}
        createCustomValue
        invalid={error !== undefined}
        onChange={(option) => onChange(option.value === 'UTC' ? undefined : option.value)}
      />
    </Field>
  );
}

/** A server's URL (the remote proxy's, ClickHouse's), stored as typed; its message shows once the field has been left. */
function UrlField(props: {
  value: string;
  onChange: (url: string) => void;
  label: string;
  description: string;
  validate: (url: string) => string | undefined;
  testId: string;
  id: string;
  placeholder: string;
}) {
  const { value, onChange, validate } = props;
  const [touched, setTouched] = useState(value !== '');
  const error = touched ? validate(value) : undefined;
  return (
    <Field label={props.label} description={props.description} invalid={error !== undefined} error={error}>
      <Input
        data-testid={props.testId}
        id={props.id}
        width={WIDTH}
        value={value}
        placeholder={props.placeholder}
        onChange={(event) => onChange(event.currentTarget.value)}
        onBlur={() => setTouched(true)}
      />
    </Field>
  );
}

/** A text setting: stored trimmed as typed, empty unsets it (the placeholder is the default). */
function TextField(props: {
  label: string;
  description: string;
  value: string | undefined;
  placeholder: string;
  onChange: (value: string | undefined) => void;
  testId: string;
}) {
  return (
    <Field label={props.label} description={props.description}>
      <Input
        data-testid={props.testId}
        width={WIDTH}
        value={props.value ?? ''}
        placeholder={props.placeholder}
        onChange={(event) => props.onChange(event.currentTarget.value.trim() || undefined)}
      />
    </Field>
  );
}

interface NumberFieldProps {
  label: string;
  description: string;
  value: number | undefined;
  placeholder: string;
  parse: (text: string) => { value?: number; error?: string };
  onChange: (value: number | undefined) => void;
  testId: string;
}

/** A number setting: typed text is stored when it parses (empty unsets it); otherwise its message shows. */
function NumberField({ label, description, value, placeholder, parse, onChange, testId }: NumberFieldProps) {
  const stored = value === undefined ? '' : String(value);
  const [text, setText] = useState(stored);
  const [seen, setSeen] = useState(stored);
  if (stored !== seen) {
    setSeen(stored);
    if (parse(text).value !== value) {
      setText(stored);
    }
  }
  const error = parse(text).error;
  return (
    <Field label={label} description={description} invalid={error !== undefined} error={error}>
      <Input
        data-testid={testId}
        width={20}
        value={text}
        placeholder={placeholder}
        onChange={(event) => {
          const next = event.currentTarget.value;
          setText(next);
          const parsed = parse(next);
          if (parsed.error === undefined && parsed.value !== value) {
            onChange(parsed.value);
          }
        }}
      />
    </Field>
  );
}
