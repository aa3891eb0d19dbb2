/**
 * Groups: the single entry point to consumer groups for the API layer, the
 * wire server and tests. It holds the coordinator (Kafka's group and offset
 * APIs), the admin operations, the lag sampler, and the engine's consumers.
 *
 *   const groups = await Groups.attach(cluster, { ...coordinator options });
 *   const c = groups.consumer({ groupId: 'g', autoOffsetReset: 'earliest' });
 *   ...
 *   await groups.close();   // before cluster.close(): stops every timer
 *   await cluster.close();
 *
 * close() must come before cluster.close(): the coordinator's and the
 * consumers' timers are unref'd so they never keep the process alive, but
 * only close() answers members waiting in JoinGroup/SyncGroup and stops
 * the sampler.
 */
import type { Cluster } from '../cluster/cluster';
import { EngineConsumer, type ConsumerConfig } from './consumer';
import { GroupAdmin } from './group-admin';
import { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator';
import { LagSampler, type LagSamplerOptions } from './lag';
import type { GroupsClock } from './types';

export interface GroupsOptions extends GroupCoordinatorOptions {
  /** Lag sampling (default on, 1 s interval); false turns it off. */
  lagSampler?: LagSamplerOptions | false;
  /** The time the engine consumers and the lag sampler read (default Date; see types.ts GroupsClock). */
  clock?: GroupsClock;
}

export class Groups {
  private readonly consumers = new Set<EngineConsumer>();
  private closed = false;

  private constructor(
    readonly cluster: Cluster,
    readonly coordinator: GroupCoordinator,
    readonly admin: GroupAdmin,
    readonly lagSampler: LagSampler | null,
    private readonly clock: GroupsClock,
  ) {}

  /** Starts the coordinator over the cluster and loads the groups already stored in it. */
  static async attach(cluster: Cluster, opts: GroupsOptions = {}): Promise<Groups> {
    const { lagSampler, clock = Date, ...coordinatorOptions } = opts;
    const coordinator = new GroupCoordinator(cluster, coordinatorOptions);
    await coordinator.start();
    const sampler = lagSampler === false ? null : new LagSampler(cluster, coordinator, { clock, ...lagSampler });
    sampler?.start();
    return new Groups(cluster, coordinator, new GroupAdmin(cluster, coordinator), sampler, clock);
  }

  /** A new engine consumer (not yet subscribed); closed with the Groups. */
  consumer(config: ConsumerConfig): EngineConsumer {
    const c = new EngineConsumer(this.cluster, this.coordinator, config, this.clock);
    this.consumers.add(c);
    return c;
  }

  /** Closes the consumers (committing and leaving), the sampler and the coordinator. Call before cluster.close(). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = [...this.consumers].filter((c) => !c.isClosed);
    if (!this.cluster.isClosed) await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    for (const c of open) c.crash();
    this.consumers.clear();
    this.lagSampler?.stop();
    this.coordinator.close();
  }
}
