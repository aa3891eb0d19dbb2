/**
 * Message searches as the API offers them: a connection starts a scan (run
 * by the engine, core/cluster/record-search.ts), receives `searchProgress`
 * events while it runs, fetches the matches with getSearchResults, and may
 * stop it. Searches belong to the connection that started them and end when
 * it closes.
 *
 * Matches are kept here as DTOs with keys and values cut to the caller's
 * maxValueBytes, so a search holds at most maxMatches small previews; the
 * detail panel reads a whole record with getRecord. Progress events carry
 * counts only, never records, so a dropped event (a lagging WebSocket) loses
 * nothing: the next event, or getSearchResults, says where things stand.
 */
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors';
import { compileSearch, type ScanOutcome } from '../cluster/record-search';
import type { ParsedInput, RecordDto, SearchResults, SearchStatus } from '../api/api';
import type { ClusterPort } from './engine-port';
import { recordToCappedDto } from './record-browser';

/** Searches a connection keeps (running or finished); starting one more forgets the oldest. */
const MAX_SEARCHES_PER_CONNECTION = 4;
const DEFAULT_PREVIEW_BYTES = 1024;
const MAX_RESULTS_PER_CALL = 1000;

interface Job {
  status: SearchStatus;
  matches: RecordDto[];
  abort: AbortController;
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
    compileSearch(query); // a bad or unsafe pattern fails the call itself, with the reason
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
      matches: [],
      abort: new AbortController(),
    };
    this.jobs.set(searchId, job);
    const maxBytes = i.maxValueBytes ?? DEFAULT_PREVIEW_BYTES;
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
        job.matches.push(recordToCappedDto(r, maxBytes));
        job.status.matches = job.matches.length;
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

  results(searchId: string, from: number): SearchResults {
    const job = this.job(searchId);
    return {
      status: { ...job.status, skipped: [...job.status.skipped] },
      matches: job.matches.slice(from, from + MAX_RESULTS_PER_CALL),
    };
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
