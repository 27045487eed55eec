/**
 * The typed client hosts use to talk to the engine process: request ids, progress events,
 * cancellation, and recovery when the engine dies (pending requests fail with
 * 'engine_died', listeners hear an error event, and a fresh engine is started).
 */
import { randomUUID } from 'node:crypto';
import { parsePayload, type EngineChannel, type EngineInfo, type EventName, type Events, type PayloadIn, type Result } from '../contract';
import { AtlasError, type AtlasErrorData } from '../errors';
import type { EngineProcess, FromEngine, SpawnEngine } from './protocol';

interface Pending {
  channel: EngineChannel;
  resolve: (value: unknown) => void;
  reject: (error: AtlasError) => void;
}

export interface RequestOptions {
  /** Caller-chosen id so it can cancel or match progress events; random when omitted. */
  requestId?: string;
  signal?: AbortSignal;
}

type Listener<E extends EventName> = (data: Events[E]) => void;

/** More crashes than this within the window and the client stops restarting the engine. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export class EngineClient {
  private proc: EngineProcess | undefined;
  private readyInfo: Promise<EngineInfo> | undefined;
  private pending = new Map<string, Pending>();
  private listeners = new Map<EventName, Set<Listener<EventName>>>();
  private recentCrashes: number[] = [];
  private closed = false;

  constructor(private readonly spawn: SpawnEngine) {}

  /** Start the engine (if not running) and resolve with its info once it is ready. */
  start(): Promise<EngineInfo> {
    if (this.closed) return Promise.reject(new AtlasError('engine_died', 'The engine has been shut down.'));
    if (this.readyInfo) return this.readyInfo;
    this.emit('engine.state', { state: 'starting' });
    const proc = this.spawn();
    this.proc = proc;
    this.readyInfo = new Promise<EngineInfo>((resolve, reject) => {
      proc.onMessage((message) => {
        if (message.type === 'ready') {
          this.emit('engine.state', { state: 'ready', info: message.info });
          resolve(message.info);
        } else {
          this.onEngineMessage(message);
        }
      });
      proc.onExit((code, signal) => {
        reject(new AtlasError('engine_died', `The engine process exited (${signal ?? `code ${code}`}) before it was ready.`));
        this.onEngineExit(proc, code, signal);
      });
    });
    // A start failure is reported through the promise; keep it from becoming unhandled here.
    this.readyInfo.catch(() => {});
    return this.readyInfo;
  }

  /** Send a request; resolves with its result or rejects with an AtlasError. */
  async request<C extends EngineChannel>(channel: C, payload: PayloadIn<C>, options: RequestOptions = {}): Promise<Result<C>> {
    const parsed = parsePayload(channel, payload);
    if (!parsed.ok) throw fromData(parsed.error);
    await this.start();
    const id = options.requestId ?? randomUUID();
    if (this.pending.has(id)) throw new AtlasError('bad_request', `Request id ${id} is already in use.`);
    const proc = this.proc!;
    return new Promise<Result<C>>((resolve, reject) => {
      this.pending.set(id, { channel, resolve: resolve as (v: unknown) => void, reject });
      if (options.signal) {
        if (options.signal.aborted) {
          this.pending.delete(id);
          reject(new AtlasError('cancelled', 'Cancelled.'));
          return;
        }
        options.signal.addEventListener('abort', () => this.cancel(id), { once: true });
      }
      proc.send({ type: 'request', id, channel, payload: parsed.value });
    });
  }

  /** Ask the engine to stop a running request; it rejects with code 'cancelled'. */
  cancel(requestId: string): void {
    if (this.pending.has(requestId)) this.proc?.send({ type: 'cancel', id: requestId });
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set!.delete(listener as Listener<EventName>);
  }

  /** The running engine's pid (tests kill it to check recovery). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Stop the engine for good; pending requests are rejected. */
  close(): void {
    this.closed = true;
    this.failPending({ code: 'engine_died', message: 'The engine was shut down.' });
    this.proc?.kill();
    this.proc = undefined;
    this.emit('engine.state', { state: 'stopped' });
  }

  private onEngineMessage(message: FromEngine): void {
    if (message.type === 'result') {
      const pending = this.pending.get(message.id);
      if (!pending) return; // cancelled or already failed
      this.pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(fromData(message.error));
    } else if (message.type === 'event') {
      this.emit(message.name, message.data);
    }
  }

  private onEngineExit(proc: EngineProcess, code: number | null, signal: string | null): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.readyInfo = undefined;
    if (this.closed) return;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const names = [...new Set([...this.pending.values()].map((p) => p.channel))].join(', ');
    const error: AtlasErrorData = {
      code: 'engine_died',
      message: `The engine process ${how}${names ? ` while running ${names}` : ''}. A fresh engine is starting; try again.`,
      detail: { code, signal },
    };
    this.failPending(error);
    this.emit('error', error);

    const now = Date.now();
    this.recentCrashes = this.recentCrashes.filter((t) => now - t < RESTART_WINDOW_MS).concat(now);
    if (this.recentCrashes.length > MAX_RESTARTS) {
      this.emit('engine.state', { state: 'stopped', reason: `The engine crashed ${this.recentCrashes.length} times in a minute; not restarting. Restart the app.` });
      return;
    }
    this.emit('engine.state', { state: 'restarting', reason: error.message });
    this.start().catch(() => {});
  }

  private failPending(error: AtlasErrorData): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(fromData(error));
  }

  private emit<E extends EventName>(event: E, data: Events[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(data);
      } catch {
        // A broken listener must not take the client down with it.
      }
    }
  }
}

function fromData(error: AtlasErrorData): AtlasError {
  return new AtlasError(error.code, error.message, error.detail);
}
