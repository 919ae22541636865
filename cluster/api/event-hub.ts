// The event hub: every event the daemon publishes (ingest, jobs, actors, supervisors, store nodes, members,
// throughput samples) fans out to WebSocket subscribers whose filter matches. Each event is serialised once,
// whatever the number of subscribers. The hub also keeps the last errors for the consoles.
export const TOPICS = ['consolidator', 'optimizer', 'admin'] as const;
export type Topic = (typeof TOPICS)[number];

export interface HubEvent {
  readonly topic: Topic;
  readonly type: string;
  /** epoch ms when published */
  readonly at: number;
  readonly data: unknown;
}

export interface Filter {
  readonly topics: ReadonlySet<Topic>;
  /** type prefixes ('job.', 'actor.failed'); empty: every type */
  readonly types: readonly string[];
}

export interface Subscriber {
  filter: Filter;
  /** receives the serialised event; returns false when the subscriber is gone */
  deliver(text: string, event: HubEvent): boolean;
}

export interface RecentError {
  readonly at: number;
  readonly source: string;
  readonly code: string;
  readonly message: string;
}

export interface EventHub {
  publish(topic: Topic, type: string, data: unknown): void;
  subscribe(s: Subscriber): () => void;
  readonly subscribers: number;
  recordError(e: RecentError): void;
  recentErrors(): readonly RecentError[];
  readonly published: number;
}

export function matches(filter: Filter, e: { topic: Topic; type: string }): boolean {
  if (!filter.topics.has(e.topic)) return false;
  if (filter.types.length === 0) return true;
  for (const p of filter.types) if (e.type.startsWith(p)) return true;
  return false;
}

export function createEventHub(options: { readonly recentErrors?: number } = {}): EventHub {
  const subs = new Set<Subscriber>();
  const errors: RecentError[] = [];
  const keep = options.recentErrors ?? 50;
  let published = 0;
  return {
    publish(topic, type, data) {
      published++;
      if (subs.size === 0) return;
      const event: HubEvent = { topic, type, at: Date.now(), data };
      let text: string | null = null;
      for (const s of subs) {
        if (!matches(s.filter, event)) continue;
        text ??= JSON.stringify(event);
        if (!s.deliver(text, event)) subs.delete(s);
      }
    },
    subscribe(s) {
      subs.add(s);
      return () => { subs.delete(s); };
    },
    get subscribers() { return subs.size; },
    recordError(e) {
      errors.push(e);
      if (errors.length > keep) errors.shift();
    },
    recentErrors: () => [...errors],
    get published() { return published; },
  };
}
