// A real cluster member in its own process that hosts one algorithm-runner (named after its port, so paths
// are unique across members) with a one-thread CPU pool, optionally offered in the member's cluster
// receptionist (runners found through the receptionist). The remote-runner and runner-receptionist tests kill it with kill -9.
import { pino } from 'pino';
import { createClusterMember } from '../../../cluster/remote/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { algorithmRunnerBehaviour, createRunnerPool } from '../../../actors/algorithm-runner/index.ts';
import { FAST_MEMBERSHIP, type RunnerMemberConfig } from './job-harness.ts';

const config = JSON.parse(process.argv[2]!) as RunnerMemberConfig;
const send = (m: Record<string, unknown>): void => { process.send?.(m); };
const member = await createClusterMember({
  cluster: config.cluster, secret: config.secret, port: 0, seeds: config.seeds, logger: pino({ level: 'silent' }), ...FAST_MEMBERSHIP,
});
const pool = createRunnerPool({ threads: 1 });
const name = `runner-${member.transport.port}`;
member.system.spawn(algorithmRunnerBehaviour({
  matrixSource: createGeneratedMatrixSource(config.universe), pool,
  settings: { checkpointGenerations: config.checkpointGenerations, checkpointMs: 0, progressMs: 100 },
  ...(config.register ? { receptionist: member.receptionist } : {}),
}), { name });
send({ ev: 'ready', id: member.id, port: member.transport.port, path: `/user/${name}` });
