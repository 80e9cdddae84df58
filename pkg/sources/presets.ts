/**
 * Presets: named field maps for common log formats (README "Presets"). A user's own --field-map entries and
 * --success-status override the preset's. Fixtures and the documentation each was written from:
 * pkg/sources/fixtures/<preset>/.
 */

export interface Preset {
  name: string;
  description: string;
  /** Our field (standard or extra column) to a field-map expression (field-map.ts). */
  fieldMap: Record<string, string>;
  /** Statuses that are not errors, unless the user gives --success-status. */
  successStatuses?: string[];
  /** One line may hold many requests: OTLP JSON's resourceSpans[].scopeSpans[].spans[]. */
  expand?: 'otlp-spans';
  /** Keep only the mapped fields as columns (the format's other fields are large or internal). */
  onlyMapped?: boolean;
  /** A line of the format. */
  sample: string;
}

export const PRESETS: Record<string, Preset> = {
  default: {
    name: 'default',
    description: "the project's own format (timestamp, model, latency_ms, status, ...): no mapping",
    fieldMap: {},
    sample:
      '{"timestamp": "2026-11-27T15:03:15.123456", "request_id": "9f1c", "model": "llama-3-8b", "latency_ms": 12.5, "status": "success"}',
  },
  'otel-genai': {
    name: 'otel-genai',
    description:
      "OTLP JSON spans as the OpenTelemetry collector's file exporter writes them (one span = one request; " +
      'GenAI semantic conventions); status.code 2 (ERROR) is an error',
    fieldMap: {
      timestamp: 'startTimeUnixNano:ns',
      latency_ms: 'endTimeUnixNano-startTimeUnixNano:ns',
      model: 'attributes[gen_ai.response.model]|attributes[gen_ai.request.model]',
      request_id: 'spanId',
      status: 'status.code',
      trace_id: 'traceId',
      span_name: 'name',
      service: 'resource[service.name]',
      operation: 'attributes[gen_ai.operation.name]',
      provider: 'attributes[gen_ai.provider.name]|attributes[gen_ai.system]',
      input_tokens: 'attributes[gen_ai.usage.input_tokens]',
      output_tokens: 'attributes[gen_ai.usage.output_tokens]',
    },
    // Status codes: 0 UNSET (usually omitted: no status), 1 OK, 2 ERROR; some writers use the enum names.
    successStatuses: ['0', '1', 'STATUS_CODE_UNSET', 'STATUS_CODE_OK'],
    expand: 'otlp-spans',
    onlyMapped: true,
    sample:
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"chat-api"}}]},' +
      '"scopeSpans":[{"scope":{"name":"openai-instrumentation"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",' +
      '"spanId":"eee19b7ec3c1b174","name":"chat gpt-4o","kind":3,"startTimeUnixNano":"1764774195123456789",' +
      '"endTimeUnixNano":"1764774196373456789","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},' +
      '{"key":"gen_ai.usage.input_tokens","value":{"intValue":"97"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"52"}}],' +
      '"status":{}}]}]}]}',
  },
  litellm: {
    name: 'litellm',
    description:
      "LiteLLM proxy's StandardLoggingPayload, one per line (startTime/endTime epoch seconds; status success/failure)",
    fieldMap: {
      timestamp: 'startTime:s',
      // response_time is the time to first token when streaming: the whole request is endTime - startTime.
      latency_ms: 'endTime-startTime:s',
      ttft_ms: 'completionStartTime-startTime:s',
      model: 'model',
      request_id: 'id',
      status: 'status',
      input_tokens: 'prompt_tokens',
      output_tokens: 'completion_tokens',
      total_tokens: 'total_tokens',
      response_cost: 'response_cost',
      call_type: 'call_type',
      model_group: 'model_group',
      api_base: 'api_base',
      cache_hit: 'cache_hit',
      trace_id: 'trace_id',
    },
    onlyMapped: true,
    sample:
      '{"id":"chatcmpl-1","trace_id":"t-1","call_type":"acompletion","status":"success","model":"gpt-4o",' +
      '"startTime":1764774195.123456,"endTime":1764774196.623456,"completionStartTime":1764774195.423456,' +
      '"response_time":1.5,"prompt_tokens":20,"completion_tokens":35,"total_tokens":55,"response_cost":0.0004}',
  },
  tgi: {
    name: 'tgi',
    description:
      'text-generation-inference\'s JSON logs (--json-output): the router\'s "Success" line per request, timings ' +
      'as Rust durations ("1.2s", "35ms"); the server logs no model: set it with --field-map model="\'NAME\'"',
    fieldMap: {
      timestamp: 'timestamp',
      model: "'tgi'",
      latency_ms: 'spans[*].total_time:s|span.total_time:s',
      status: 'message|fields.message',
      validation_ms: 'spans[*].validation_time:s|span.validation_time:s',
      queue_ms: 'spans[*].queue_time:s|span.queue_time:s',
      inference_ms: 'spans[*].inference_time:s|span.inference_time:s',
      time_per_token_ms: 'spans[*].time_per_token:s|span.time_per_token:s',
      input_tokens: 'spans[*].prompt_tokens|span.prompt_tokens',
      output_tokens: 'spans[*].generated_tokens|span.generated_tokens',
    },
    onlyMapped: true,
    sample:
      '{"timestamp":"2026-12-03T15:03:15.123456Z","level":"INFO","message":"Success","target":"text_generation_router::server",' +
      '"spans":[{"name":"generate","total_time":"1.502345s","validation_time":"345.2µs","queue_time":"12.1ms",' +
      '"inference_time":"1.489899s","time_per_token":"29.79798ms","seed":"None"}]}',
  },
  'nginx-json': {
    name: 'nginx-json',
    description:
      'nginx access log with the JSON log_format in the README ($msec, $request_time in seconds, $status, the model ' +
      'from an X-Model request header, else the upstream address)',
    fieldMap: {
      timestamp: 'msec:s',
      latency_ms: 'request_time:s',
      upstream_ms: 'upstream_response_time:s',
      model: 'model|upstream_addr',
      status: 'status',
      request_id: 'request_id',
    },
    sample:
      '{"msec":1764774195.123,"request_id":"7f0c2a","remote_addr":"10.0.0.7","method":"POST","uri":"/v1/chat/completions",' +
      '"status":200,"request_time":0.734,"upstream_response_time":"0.731","upstream_addr":"10.0.1.2:8000","model":"llama-3-8b","body_bytes_sent":1532}',
  },
  'envoy-json': {
    name: 'envoy-json',
    description:
      'Envoy access log with the json_format in the README (%START_TIME%, %DURATION% in ms, %RESPONSE_CODE%, the ' +
      'model from an x-model request header, else the upstream cluster)',
    fieldMap: {
      timestamp: 'start_time',
      latency_ms: 'duration',
      ttfb_ms: 'response_duration',
      model: 'model|upstream_cluster',
      status: 'response_code',
      request_id: 'request_id',
    },
    sample:
      '{"start_time":"2026-12-03T15:03:15.123Z","request_id":"5b1d","method":"POST","path":"/v1/completions",' +
      '"response_code":200,"response_flags":"-","duration":812,"response_duration":95,"upstream_cluster":"vllm",' +
      '"upstream_host":"10.0.1.3:8000","model":"mistral-7b","bytes_received":412,"bytes_sent":2210}',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

/** The preset named `name`, or an error naming the presets there are. */
export function presetOf(name: string | undefined): Preset | null {
  if (name === undefined || name === '') {
    return null;
  }
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!preset) {
    throw new Error(`unknown preset "${name}" (one of ${PRESET_NAMES.join(', ')})`);
  }
  return preset;
}

/** A preset as help text: its description, field map and a sample line. */
export function describePreset(preset: Preset): string {
  const lines = [`preset ${preset.name}: ${preset.description}`, '', 'field map:'];
  for (const [ours, theirs] of Object.entries(preset.fieldMap)) {
    lines.push(`  ${ours}=${theirs}`);
  }
  if (preset.successStatuses) {
    lines.push('', `success statuses: ${preset.successStatuses.join(', ')} (and any 2xx)`);
  }
  if (preset.expand) {
    lines.push('', 'one line can hold many spans: resourceSpans[].scopeSpans[].spans[], one request each');
  }
  if (preset.onlyMapped) {
    lines.push('', 'only the mapped fields are kept as columns');
  }
  lines.push('', 'sample line:', preset.sample, '');
  return lines.join('\n');
}
