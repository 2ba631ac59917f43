import type { EventOfType } from '../events/events.js';

declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** A device alarm was raised, repeated, escalated, acknowledged or cleared. */
    'sensors.alarm_changed': {
      alarmId: string;
      deviceId: string | null;
      areaId: string | null;
      communityId: string | null;
      type: string;
      severity: string;
      status: string;
      escalated: boolean;
      /** When the triggering message arrived (ms since epoch): the console measures alarm-to-console. */
      triggeredAtMs: number;
    };
    /** A device went online or offline. */
    'sensors.device_changed': { deviceId: string; communityId: string; online: boolean };
    /** A crowd area's count changed (level normal / warning / alarm). */
    'sensors.crowd_changed': {
      areaId: string;
      count: number;
      density: number;
      level: string;
      flag: string | null;
      /** Set on an alarm: the three nearest available units by road time, told to go. */
      units?: { unitId: string; callSign: string; travelS: number }[];
    };
  }
}

export type SensorAlarmEvent = EventOfType<'sensors.alarm_changed'>;
export type CrowdChangedEvent = EventOfType<'sensors.crowd_changed'>;
