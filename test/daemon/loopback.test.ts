// Which API hosts the daemon treats as loopback: anything else without api.tls gets a warning at start that
// tokens cross the network in clear (cluster/daemon/daemon.ts).
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../cluster/daemon/daemon.ts';

describe('isLoopback', () => {
  it('takes 127.0.0.0/8, ::1 and localhost, and nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.3', '192.168.1.10', 'strata.internal', '1127.0.0.1', '127.0.0.1.example.com']) expect(isLoopback(h), h).toBe(false);
  });
});
