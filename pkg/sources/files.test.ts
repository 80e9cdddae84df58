import { compareRotated } from './files';

describe('compareRotated', () => {
  it('orders rotated logs oldest first, the live file last', () => {
    const files = ['/l/app.log', '/l/app.log.1', '/l/app.log.10.gz', '/l/app.log.2.gz', '/l/other.jsonl'];
    expect([...files].sort(compareRotated)).toEqual([
      '/l/app.log.10.gz',
      '/l/app.log.2.gz',
      '/l/app.log.1',
      '/l/app.log',
      '/l/other.jsonl',
    ]);
  });

  it('keeps plain names in name order', () => {
    expect(['/l/b.log', '/l/a.log', '/l/c.log.gz'].sort(compareRotated)).toEqual([
      '/l/a.log',
      '/l/b.log',
      '/l/c.log.gz',
    ]);
  });
});
