import { Store } from '../store/store';
import { LogReader, ReadProgress } from './reader';
import { SourceConfig } from './parse-line';

/** Reads logs (files, directories, globs; .gz too) into a new store. */
export async function loadLogs(
  paths: string[],
  config: SourceConfig = {},
  onProgress?: (p: ReadProgress) => void
): Promise<Store> {
  const reader = new LogReader(paths, config);
  await reader.refresh(onProgress);
  reader.store.trim();
  return reader.store;
}
