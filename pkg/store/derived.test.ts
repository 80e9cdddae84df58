import { Store } from './store';

/** A store of rows with the given LLM fields (undefined: the field is not in the line). */
function storeOf(rows: Array<{ latency: number; ttft?: number | null; output?: number | null }>): Store {
  const store = new Store();
  rows.forEach((r, i) => {
    const values: Record<string, number | string | null> = { model: 'm', latency_ms: r.latency };
    if (r.ttft !== undefined) {
      values.ttft_ms = r.ttft;
    }
    if (r.output !== undefined) {
      values.output_tokens = r.output;
    }
    store.append(i * 1000, false, values);
  });
  return store;
}

describe('derived LLM fields', () => {
  it('tpot_ms = (latency - ttft) / (output tokens - 1), missing where that means nothing', () => {
    const store = storeOf([
      { latency: 1100, ttft: 100, output: 11 }, // 100 ms a token
      { latency: 500, ttft: 100, output: 1 }, // one token: no time per token
      { latency: 50, ttft: 100, output: 5 }, // first token after the end: not a request to trust
      { latency: 300, ttft: null, output: 5 },
      { latency: 300, ttft: 20 }, // no token count
      { latency: NaN, ttft: 20, output: 3 },
    ]);
    const tpot = store.numberColumn('tpot_ms');
    expect(tpot && [...tpot.values()]).toEqual([100, NaN, NaN, NaN, NaN, NaN]);
  });

  it('output_tokens_per_s = output tokens / (latency / 1000)', () => {
    const store = storeOf([
      { latency: 2000, output: 100 },
      { latency: 0, output: 100 },
      { latency: 250, output: 0 },
      { latency: 250 },
    ]);
    expect([...store.numberColumn('output_tokens_per_s')!.values()]).toEqual([50, NaN, 0, NaN]);
  });

  it('exist only when their inputs are numeric fields, and are listed among the fields', () => {
    const plain = storeOf([{ latency: 10 }]);
    expect(plain.numberColumn('tpot_ms')).toBeUndefined();
    expect(plain.fields().map((f) => f.name)).not.toContain('output_tokens_per_s');
    const tokens = storeOf([{ latency: 10, output: 3 }]);
    expect(tokens.fields()).toContainEqual({ name: 'output_tokens_per_s', type: 'number' });
    expect(tokens.fields().map((f) => f.name)).not.toContain('tpot_ms');
    const text = storeOf([{ latency: 10, ttft: 1, output: 3 }]);
    text.append(5000, false, { model: 'm', latency_ms: 10, output_tokens: 'many' });
    expect(text.numberColumn('tpot_ms')).toBeUndefined(); // output_tokens turned into text
  });

  it('a field the logs write themselves wins over the derived one', () => {
    const store = storeOf([{ latency: 1100, ttft: 100, output: 11 }]);
    store.append(2000, false, { model: 'm', latency_ms: 1, tpot_ms: 7 });
    expect([...store.numberColumn('tpot_ms')!.values()]).toEqual([NaN, 7]);
    expect(store.fields().filter((f) => f.name === 'tpot_ms')).toHaveLength(1);
  });

  it('follows appends and retention', () => {
    const store = storeOf([
      { latency: 1000, output: 10 },
      { latency: 2000, output: 10 },
    ]);
    expect([...store.numberColumn('output_tokens_per_s')!.values()]).toEqual([10, 5]);
    store.append(5000, false, { model: 'm', latency_ms: 500, output_tokens: 10 });
    expect([...store.numberColumn('output_tokens_per_s')!.values()]).toEqual([10, 5, 20]);
    store.dropFront(2);
    expect([...store.numberColumn('output_tokens_per_s')!.values()]).toEqual([20]);
  });
});
