/**
 * A parent's side of functions through the stream (netdata 1.37, docs/functions.md): the
 * functions a child announces with `FUNCTION "name" timeout "help"` in its chart definitions
 * become functions of its mirrored host, and a call of one is written down the child's socket as
 * `FUNCTION <transaction> <timeout> "<name and arguments>"`; the child's
 * `FUNCTION_RESULT_BEGIN` … `FUNCTION_RESULT_END` comes back among its metrics and settles the
 * call. The calls of one link are the collectors' {@link FunctionCalls} with the socket in place
 * of a plugin's stdin, so timeouts, foreign transactions, malformed headers and limits are
 * handled exactly as for a plugin.
 *
 * As in 1.37 a host keeps the functions its child registered after the link ends, but they are
 * not running: they are not listed, and a call gets netdata's 503 at once. The next link's
 * registrations make them running again.
 */
import {
  FunctionCalls, FUNCTION_STATUS, functionError, type FunctionCallLimits, type FunctionResult, type StdinWriter,
} from '../collectors/index.js';
import type { FunctionResultSink } from '../protocol/index.js';

/** A function of a host, wherever it runs (a local plugin, or a child through its link). */
export interface HostFunction {
  name: string;
  help: string;
  timeoutSecs: number;
  /** Registered with GLOBAL (or before any chart). */
  global: boolean;
  /** The chart it was last registered with; null when global. */
  chartId: string | null;
  /** Every chart it was registered with (1.37 announces it with each); none when global. */
  chartIds: readonly string[];
  /** Whether it can be called now (its plugin runs, its link is up). */
  running: boolean;
  /** Calls it (name and arguments, sanitized; timeout in seconds); never rejects. */
  call(text: string, timeoutSecs: number): Promise<FunctionResult>;
}

/** A registration as the parser reports it. */
interface Registration {
  name: string;
  help: string;
  timeoutSecs: number;
  global: boolean;
  chartId: string | null;
}

/** netdata's answer when the collector of a function (here: the child's link) is gone. */
const NOT_RUNNING = 'The collector that registered this function, is not currently running.';

/** The calls of one link of a mirrored host, from its prompt to its end. */
export class LinkFunctionCalls {
  readonly #calls: FunctionCalls;
  #open = true;

  /** `writer` is the child's socket (parent → child direction) in place of a plugin's stdin. */
  constructor(readonly tag: string, writer: StdinWriter, limits: Partial<FunctionCallLimits>, onRunaway: (message: string) => void) {
    this.#calls = new FunctionCalls(tag, writer, limits, onRunaway);
  }

  /** What the link's parser gives FUNCTION_RESULT_BEGIN, the body lines and the end to. */
  get sink(): FunctionResultSink {
    return this.#calls.sink;
  }

  get open(): boolean {
    return this.#open;
  }

  call(text: string, timeoutSecs: number): Promise<FunctionResult> {
    return this.#calls.call(text, timeoutSecs);
  }

  /** The link ended: every call in flight is answered with 503 and `reason`, later ones too. */
  close(reason: string): void {
    this.#open = false;
    this.#calls.close(reason);
  }
}

/** The functions of one mirrored host, across the links of its child; one per host. */
export class MirroredFunctions {
  readonly #registered = new Map<string, { registration: Registration; link: LinkFunctionCalls; chartIds: readonly string[] }>();

  /** A FUNCTION line of `link`'s child: registers (or updates) the function, callable through that link. */
  register(registration: Registration, link: LinkFunctionCalls): void {
    const before = this.#registered.get(registration.name);
    const known = before?.link === link ? before.chartIds : [];
    const chartIds = registration.chartId === null || known.includes(registration.chartId) ? known : [...known, registration.chartId];
    this.#registered.set(registration.name, { registration: { ...registration }, link, chartIds });
  }

  /** Every function the host's child registered, running only while its link is open. */
  functions(): HostFunction[] {
    return [...this.#registered.values()].map(({ registration, link, chartIds }) => ({
      ...registration,
      chartIds,
      running: link.open,
      call: (text, timeoutSecs) => link.open
        ? link.call(text, timeoutSecs)
        : Promise.resolve(functionError(FUNCTION_STATUS.backendFailed, NOT_RUNNING)),
    }));
  }
}
