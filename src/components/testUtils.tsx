import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { CoreApp } from '@grafana/data';

import type { DataSource } from '../datasource';
import type { AnalyticsQuery } from '../types';
import { QueryEditor } from './QueryEditor';

/*
 * Helpers of the editor tests. Grafana's Combobox measures text on a canvas and renders its
 * options in a virtual list sized from the DOM, neither of which jsdom does; `mockLayout` fakes
 * just enough of both.
 */

export function mockLayout() {
  Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', {
    configurable: true,
    value: () => ({ font: '', measureText: (text: string) => ({ width: text.length * 7 }) }),
  });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 400 });
  class NoIntersectionObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.defineProperty(window, 'IntersectionObserver', { configurable: true, value: NoIntersectionObserver });
}

/** Elements report a 400×400 box: some editors size their menus from getBoundingClientRect. */
export function mockBoundingRect() {
  Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
    configurable: true,
    value: () => ({
      width: 400,
      height: 400,
      top: 0,
      left: 0,
      bottom: 400,
      right: 400,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    }),
  });
}

/** The backend's resources as the mock answers them. */
export const RESOURCES: Record<string, unknown> = {
  models: ['bert-large', 'llama-3-8b', 'mistral-7b'],
  fields: [
    { name: 'latency_ms', type: 'number' },
    { name: 'batch_size', type: 'number' },
    { name: 'gpu_util', type: 'number' },
    { name: 'memory_used_gb', type: 'number' },
    { name: 'queue_ms', type: 'number' },
    { name: 'model', type: 'string' },
    { name: 'status', type: 'string' },
    { name: 'request_id', type: 'string' },
    { name: 'region', type: 'string' },
  ],
  'values?field=region': ['eu-west', 'us-east'],
  'values?field=status': ['error', 'success'],
};

/** A data source whose getResource answers from `resources` (a 404-like rejection otherwise). */
export function mockDatasource(resources: Record<string, unknown> = RESOURCES) {
  const getResource = jest.fn((path: string) =>
    path in resources ? Promise.resolve(resources[path]) : Promise.reject(new Error(`no resource ${path}`))
  );
  return { datasource: { getResource } as unknown as DataSource, getResource };
}

/** Lets pending resource requests settle. */
export async function settle() {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

/** Renders the QueryEditor with mocks; props stay as given (onChange does not feed back). */
export async function renderQueryEditor(query: Partial<AnalyticsQuery>, app?: CoreApp) {
  const { datasource, getResource } = mockDatasource();
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const result = render(
    <QueryEditor
      query={{ refId: 'A', ...query }}
      onChange={onChange}
      onRunQuery={onRunQuery}
      datasource={datasource}
      app={app}
    />
  );
  await settle();
  return { ...result, onChange, onRunQuery, getResource };
}

/** The last query passed to onChange. */
export function lastQuery(onChange: jest.Mock): AnalyticsQuery {
  const calls = onChange.mock.calls;
  return calls[calls.length - 1][0];
}

/** Opens a Combobox (by its test id) and returns the texts of its options. */
export async function openOptions(testId: string): Promise<string[]> {
  fireEvent.click(screen.getByTestId(testId));
  const listbox = await screen.findByRole('listbox');
  return within(listbox)
    .queryAllByRole('option')
    .map((option) => option.textContent ?? '');
}

/** Picks the option whose text starts with `text` from a Combobox or MultiCombobox. */
export async function pick(testId: string, text: string) {
  if (!screen.queryByRole('listbox')) {
    fireEvent.click(screen.getByTestId(testId));
  }
  const listbox = await screen.findByRole('listbox');
  const option = within(listbox)
    .getAllByRole('option')
    .find((o) => (o.textContent ?? '').startsWith(text));
  if (!option) {
    throw new Error(`no option "${text}" in ${testId}`);
  }
  fireEvent.click(option);
  await settle();
}

/** Types a value that is not an option into a Combobox and takes it as a custom value. */
export async function pickCustom(testId: string, text: string) {
  const input = screen.getByTestId(testId);
  fireEvent.click(input);
  fireEvent.change(input, { target: { value: text } });
  const option = await screen.findByRole('option', { name: new RegExp(`Use custom value`) });
  fireEvent.click(option);
  await settle();
}

/** Closes any open Combobox menu. */
export function closeMenus() {
  fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
}
