/**
 * Message searches as the API offers them: a connection starts a scan (run
 * by the engine, core/cluster/record-search.ts), receives `searchProgress`
 * events while it runs, fetches the matches with getSearchResults, and may
 * stop it. Searches belong to the connection that started them and end when
 * it closes.
 *
 * Every match is kept as its position (partition, offset: 12 bytes), so a
 * search may go on past the first page up to MAX_SEARCH_MATCHES; the first
 * PREVIEWS_KEPT are also kept as DTOs with keys and values cut to the caller's
 * maxValueBytes, and later pages are read back from their positions (a match
 * deleted or compacted away since is counted in `gone`). The detail panel
 * reads a whole record with getRecord. Progress events carry
 * counts only, never records, so a dropped event (a lagging WebSocket) loses
 * nothing: the next event, or getSearchResults, says where things stand.
 */
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors';
import { compileSearch, type ScanOutcome } from '../cluster/record-search';
import { compileFilter, FilterSyntaxError } from '../cluster/filter-expression';
import { compileFilterQuery } from '../cluster/filter-scan';
import type { FilterCheck, ParsedInput, RecordDto, SearchResults, SearchStatus } from '../api/api';
import type { ClusterPort } from './engine-port';
import { recordToCappedDto } from './record-browser';

/** Searches a connection keeps (running or finished); starting one more forgets the oldest. */
const MAX_SEARCHES_PER_CONNECTION = 4;
const DEFAULT_PREVIEW_BYTES = 1024;
const MAX_RESULTS_PER_CALL = 1000;
/** Matches kept as previews too (the first page); later ones are read back from their positions. */
const PREVIEWS_KEPT = 1000;
/** Offsets one read may span when reading a page's matches back. */
const READ_SPAN = 1000;

interface Job {
  status: SearchStatus;
  previews: RecordDto[];
  partitions: Int32Array;
  offsets: Float64Array;
  count: number;
  maxBytes: number;
  abort: AbortController;
}

function grow<T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}

/** Checks a filter expression (for the UI's inline error) without scanning. */
export function checkFilter(expression: string): FilterCheck {
  try {
    return { ok: true, usesRegex: compileFilter(expression).regexes.length > 0 };
  } catch (err) {
    if (err instanceof FilterSyntaxError)
      return { ok: false, message: err.reason, column: err.column, length: err.length };
    throw err;
  }
}

export class ConnectionSearches {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly cluster: ClusterPort,
    private readonly emit: (status: SearchStatus) => void,
  ) {}

  start(i: ParsedInput<'startSearch'>): SearchStatus {
    const c = this.cluster;
    if (!c.scanRecords) throw new KafkaError('UNSUPPORTED_VERSION', 'This engine cannot search records');
    const query = { pattern: i.pattern, mode: i.mode, caseSensitive: i.caseSensitive, scopes: i.scopes };
    // A bad or unsafe pattern (or expression) fails the call itself, with the reason.
    if (i.mode === 'filter') compileFilterQuery(i.pattern);
    else compileSearch(query);
    const states = c.partitions(i.topic);
    if (i.partition !== undefined && !states[i.partition]) {
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${i.partition} of topic ${i.topic} does not exist (it has ${states.length})`,
      );
    }
    const chosen = i.partition === undefined ? states : [states[i.partition]!];
    const total = chosen.reduce((n, s) => n + Math.max(0, s.highWatermark - s.logStartOffset), 0);

    this.makeRoom();
    const searchId = randomUUID();
    const job: Job = {
      status: {
        searchId,
        topic: i.topic,
        partition: i.partition ?? null,
        state: 'running',
        scanned: 0,
        total,
        matches: 0,
        elapsedMs: 0,
        error: null,
        skipped: [],
      },
      previews: [],
      partitions: new Int32Array(1024),
      offsets: new Float64Array(1024),
      count: 0,
      maxBytes: i.maxValueBytes ?? DEFAULT_PREVIEW_BYTES,
      abort: new AbortController(),
    };
    this.jobs.set(searchId, job);
    const maxBytes = job.maxBytes;
    const publish = () => {
      if (this.jobs.get(searchId) === job) this.emit({ ...job.status, skipped: [...job.status.skipped] });
    };
    c.scanRecords({
      topic: i.topic,
      partition: i.partition,
      query,
      direction: i.direction,
      maxMatches: i.maxMatches,
      timeBudgetMs: i.timeBudgetMs,
      signal: job.abort.signal,
      onMatch: (r) => {
        if (job.count < PREVIEWS_KEPT) job.previews.push(recordToCappedDto(r, maxBytes));
        if (job.count === job.offsets.length) {
          job.offsets = grow(job.offsets, (n) => new Float64Array(n));
          job.partitions = grow(job.partitions, (n) => new Int32Array(n));
        }
        job.partitions[job.count] = r.partition;
        job.offsets[job.count] = r.offset;
        job.status.matches = ++job.count;
      },
      onProgress: (p) => {
        Object.assign(job.status, { scanned: p.scanned, total: p.total, matches: p.matches, elapsedMs: p.elapsedMs });
        publish();
      },
    }).then(
      (o: ScanOutcome) => {
        Object.assign(job.status, {
          scanned: o.scanned,
          total: o.total,
          matches: o.matches,
          elapsedMs: o.elapsedMs,
          state: o.end,
          skipped: o.skipped,
        });
        publish();
      },
      (err: unknown) => {
        Object.assign(job.status, { state: 'failed', error: err instanceof Error ? err.message : String(err) });
        publish();
      },
    );
    return { ...job.status };
  }

  stop(searchId: string): SearchStatus {
    const job = this.job(searchId);
    job.abort.abort();
    return { ...job.status };
  }

  async results(searchId: string, from: number, limit = MAX_RESULTS_PER_CALL): Promise<SearchResults> {
    const job = this.job(searchId);
    const status = { ...job.status, skipped: [...job.status.skipped] };
    const to = Math.min(job.count, from + Math.min(limit, MAX_RESULTS_PER_CALL));
    if (to <= job.previews.length) return { status, matches: job.previews.slice(from, to) };
    const matches: RecordDto[] = job.previews.slice(from, Math.min(to, job.previews.length));
    const first = Math.max(from, job.previews.length);
    const read = await this.readBack(job, first, to);
    let gone = 0;
    for (let k = first; k < to; k++) {
      const dto = read.get(`${job.partitions[k]}:${job.offsets[k]}`);
      if (dto) matches.push(dto);
      else gone++;
    }
    return gone > 0 ? { status, matches, gone } : { status, matches };
  }

  /** Reads matches [from, to) back from their positions, a few reads per partition. */
  private async readBack(job: Job, from: number, to: number): Promise<Map<string, RecordDto>> {
    const byPartition = new Map<number, number[]>();
    for (let k = from; k < to; k++) {
      const p = job.partitions[k]!;
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(job.offsets[k]!);
    }
    const out = new Map<string, RecordDto>();
    for (const [partition, offsets] of byPartition) {
      offsets.sort((a, b) => a - b);
      const wanted = new Set(offsets);
      for (let i = 0; i < offsets.length;) {
        const lo = offsets[i]!;
        let j = i;
        while (j + 1 < offsets.length && offsets[j + 1]! - lo < READ_SPAN) j++;
        const hi = offsets[j]!;
        const records = await this.cluster
          .readRecords({
            topic: job.status.topic,
            partition,
            start: { type: 'offset', offset: lo },
            limit: hi - lo + 1,
          })
          .catch(() => []);
        for (const r of records)
          if (r.offset <= hi && wanted.has(r.offset))
            out.set(`${partition}:${r.offset}`, recordToCappedDto(r, job.maxBytes));
        i = j + 1;
      }
    }
    return out;
  }

  close(): void {
    for (const job of this.jobs.values()) job.abort.abort();
    this.jobs.clear();
  }

  private job(searchId: string): Job {
    const job = this.jobs.get(searchId);
    if (!job)
      throw new KafkaError(
        'INVALID_REQUEST',
        `No search ${searchId} on this connection (it ended with the connection, or was replaced by newer searches)`,
      );
    return job;
  }

  /** Forgets the oldest searches (stopping them if they still run) so at most MAX - 1 remain. */
  private makeRoom(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size < MAX_SEARCHES_PER_CONNECTION) break;
      job.abort.abort();
      this.jobs.delete(id);
    }
  }
}
