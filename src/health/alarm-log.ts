/**
 * A host's alarm log (reference §5.5): every status change of every alarm, newest first, bounded
 * in memory by `[health] in memory max health log entries` (when it grows past the bound it is
 * cut to two thirds, as netdata does), and kept on disk as an append-only file of JSON lines
 * (`A` adds an entry, `U` rewrites one after it was processed or superseded). The file is replayed
 * at start, so the log and its ids survive a restart, and compacted when it holds many more
 * lines than entries.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { error as logError } from '../log.js';
import { isRaised } from './definition.js';

/** netdata's entry flags (`health.h`). */
export const ENTRY_FLAG = Object.freeze({
  PROCESSED: 0x1,
  UPDATED: 0x2,
  EXEC_RUN: 0x4,
  EXEC_FAILED: 0x8,
  SILENCED: 0x10,
  EXEC_IN_PROGRESS: 0x40,
  IS_REPEATING: 0x80,
  RUN_ONCE: 0x100,
  NO_CLEAR_NOTIFICATION: 0x80000000,
});

/** The file is rewritten from memory when it holds this many lines more than entries. */
export const COMPACT_AFTER_EXTRA_LINES = 2000;

/** One log entry: netdata's ALARM_ENTRY fields. */
export interface AlarmLogEntry {
  uniqueId: number;
  alarmId: number;
  alarmEventId: number;
  name: string;
  chart: string;
  context: string;
  family: string;
  classification: string | null;
  component: string | null;
  type: string | null;
  exec: string | null;
  recipient: string | null;
  source: string;
  units: string;
  info: string;
  whenS: number;
  durationSecs: number;
  nonClearDurationSecs: number;
  oldStatus: number;
  newStatus: number;
  oldValue: number | null;
  newValue: number | null;
  oldValueString: string;
  newValueString: string;
  delaySecs: number;
  delayUpToS: number;
  updatedById: number;
  updatesId: number;
  flags: number;
  execRunS: number;
  execCode: number;
  lastRepeatS: number;
}

/** The in-memory log of one host, optionally persisted to `file`. */
export class AlarmLog {
  /** Newest first. */
  #entries: AlarmLogEntry[] = [];
  #nextUniqueId: number;
  #nextAlarmId: number;
  #linesInFile = 0;

  constructor(readonly maxEntries: number, readonly file: string | null, nowS: number) {
    this.#nextUniqueId = nowS;
    this.#nextAlarmId = nowS;
    if (file) this.#replay(file);
  }

  /** Newest first; do not modify. */
  get entries(): readonly AlarmLogEntry[] {
    return this.#entries;
  }

  /** The last unique id handed out (`latest_alarm_log_unique_id`: netdata's next id - 1). */
  get latestUniqueId(): number {
    return this.#nextUniqueId - 1;
  }

  /** Takes the next unique id (repeat notifications take one without being logged). */
  takeUniqueId(): number {
    return this.#nextUniqueId++;
  }

  /** The alarm id and next event id for `chart`/`name`: reused from the log when known. */
  alarmIdFor(chart: string, name: string): { alarmId: number; nextEventId: number } {
    const previous = this.#entries.find((e) => e.chart === chart && e.name === name);
    if (previous) return { alarmId: previous.alarmId, nextEventId: previous.alarmEventId + 1 };
    return { alarmId: this.#nextAlarmId++, nextEventId: 1 };
  }

  /**
   * Adds a new entry (its uniqueId already taken): links it to the previous entry of the same
   * alarm (updated_by_id / updates_id, non-clear duration), persists both, trims the log.
   */
  add(entry: AlarmLogEntry): void {
    if (isRaised(entry.oldStatus)) entry.nonClearDurationSecs += entry.durationSecs;
    const previous = this.#entries.find((e) => e.alarmId === entry.alarmId);
    this.#entries.unshift(entry);
    if (previous && !(previous.flags & ENTRY_FLAG.UPDATED) && !previous.updatedById) {
      previous.flags |= ENTRY_FLAG.UPDATED;
      previous.updatedById = entry.uniqueId;
      entry.updatesId = previous.uniqueId;
      if (isRaised(previous.newStatus) && isRaised(previous.oldStatus)) {
        entry.nonClearDurationSecs += previous.nonClearDurationSecs;
      }
      this.save(previous);
    }
    this.#write('A', entry);
    this.#trim();
  }

  /** Persists a changed entry. */
  save(entry: AlarmLogEntry): void {
    this.#write('U', entry);
  }

  #trim(): void {
    if (this.#entries.length <= this.maxEntries) return;
    this.#entries.length = Math.floor((this.maxEntries * 2) / 3);
  }

  #write(kind: 'A' | 'U', entry: AlarmLogEntry): void {
    if (!this.file) return;
    try {
      appendFileSync(this.file, `${JSON.stringify({ t: kind, ...entry })}\n`);
      this.#linesInFile++;
      if (this.#linesInFile > this.#entries.length + COMPACT_AFTER_EXTRA_LINES) this.#compact();
    } catch (err) {
      logError(`HEALTH: cannot write alarm log '${this.file}': ${(err as Error).message}`);
    }
  }

  /** Rewrites the file with the entries in memory, oldest first. */
  #compact(): void {
    const file = this.file!;
    const lines = this.#entries.slice().reverse().map((e) => JSON.stringify({ t: 'A', ...e }));
    writeFileSync(`${file}.new`, lines.length ? `${lines.join('\n')}\n` : '');
    renameSync(`${file}.new`, file);
    this.#linesInFile = lines.length;
  }

  #replay(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file)) return;
    const byId = new Map<number, AlarmLogEntry>();
    let lineNo = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      lineNo++;
      if (!line) continue;
      try {
        const { t: _kind, ...entry } = JSON.parse(line) as AlarmLogEntry & { t: string };
        byId.set(entry.uniqueId, entry);
      } catch {
        logError(`HEALTH: alarm log '${file}' line ${lineNo} is not valid, skipping it`);
      }
    }
    this.#linesInFile = lineNo;
    const entries = [...byId.values()].sort((a, b) => b.uniqueId - a.uniqueId);
    this.#entries = entries.slice(0, this.maxEntries);
    const maxUnique = entries.reduce((m, e) => Math.max(m, e.uniqueId), 0);
    const maxAlarm = entries.reduce((m, e) => Math.max(m, e.alarmId), 0);
    this.#nextUniqueId = Math.max(this.#nextUniqueId, maxUnique + 1);
    this.#nextAlarmId = Math.max(this.#nextAlarmId, maxAlarm + 1);
  }
}
