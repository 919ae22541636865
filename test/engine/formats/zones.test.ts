// Zone bucketing: equal, freeform and custom methods, half-open intervals, Outside Market, the CLI spelling.
import { describe, expect, it } from 'vitest';
import { createZoning, parseZoneSpec } from '../../../engine/formats/index.ts';

const t = (hhmm: string) => { const [h, m, s] = hhmm.split(':').map(Number) as [number, number, number?]; return h * 3600 + m * 60 + (s ?? 0); };

describe('zones', () => {
  it('splits the default session 09:15–15:30 into four equal half-open zones', () => {
    const z = createZoning({ method: 'equal' });
    expect(['09:15', '10:48:44', '10:48:45', '12:22:30', '15:29:59'].map((x) => z.zoneOf(t(x)))).toEqual(['Zone 1', 'Zone 1', 'Zone 2', 'Zone 3', 'Zone 4']);
    expect(z.windows.map((w) => [w.start, w.end])).toEqual([[t('09:15'), t('10:48:45')], [t('10:48:45'), t('12:22:30')], [t('12:22:30'), t('13:56:15')], [t('13:56:15'), t('15:30')]]);
  });

  it('puts times before the open and at or after the close in Outside Market', () => {
    const z = createZoning({ method: 'equal', count: 3 });
    expect([z.zoneOf(t('09:14:59')), z.zoneOf(t('15:30')), z.zoneOf(t('18:00'))]).toEqual(['Outside Market', 'Outside Market', 'Outside Market']);
  });

  it('cuts freeform zones at the given boundaries', () => {
    const z = createZoning({ method: 'freeform', boundaries: ['10:00', '12:00'] });
    expect(['09:59:59', '10:00', '11:59', '12:00', '15:29'].map((x) => z.zoneOf(t(x)))).toEqual(['Zone 1', 'Zone 2', 'Zone 2', 'Zone 3', 'Zone 3']);
  });

  it('uses custom windows with gaps, which are Outside Market', () => {
    const z = createZoning({ method: 'custom', windows: ['09:15-10:00', '14:00-15:30'] });
    expect(['09:30', '10:00', '12:00', '14:00', '15:30'].map((x) => z.zoneOf(t(x)))).toEqual(['Zone 1', 'Outside Market', 'Outside Market', 'Zone 2', 'Outside Market']);
  });

  it('parses the CLI spelling and refuses malformed zone options', () => {
    expect(parseZoneSpec('equal:6')).toEqual({ method: 'equal', count: 6 });
    expect(parseZoneSpec('freeform:10:30,12:00', '09:00-15:00')).toEqual({ method: 'freeform', boundaries: ['10:30', '12:00'], session: '09:00-15:00' });
    expect(parseZoneSpec('custom:09:15-10:00, 13:00-15:30')).toEqual({ method: 'custom', windows: ['09:15-10:00', '13:00-15:30'] });
    for (const bad of [() => parseZoneSpec('weird'), () => createZoning({ method: 'equal', count: 0 }), () => createZoning({ method: 'freeform', boundaries: ['12:00', '11:00'] }),
      () => createZoning({ method: 'custom', windows: ['09:15-11:00', '10:00-12:00'] }), () => createZoning({ method: 'equal', session: '15:30-09:15' })]) {
      expect(bad).toThrow(expect.objectContaining({ code: 'STRATA_FORMAT_INVALID_OPTION' }));
    }
  });
});
