/**
 * The connectors target `sensors.devices`: a register of community devices (小区 / 设备类型 / 名称 /
 * 编码 / 安装地址 / 经纬度) written into the device registry the way a person registers one on the
 * 智慧小区 page — through the sensors module's `register`, which issues each device its token
 * through the devices module (stored hashed, audited). The tokens are dropped here: they are never
 * in a run, its quality report or its audit row. Whoever installs a device re-issues its token on
 * the device page (shown once there).
 *
 * Refused by reason: `unknown_community` (no community of that name or id in the writer's
 * subtree: a community elsewhere is not named, need to know), `unknown_kind`, `bad_position`
 * (outside WGS-84 ranges), `invalid_<field>` (the registration's own rule, e.g. a stream URL that
 * is not one), `duplicate_device` (a device of that name is already registered in the community:
 * a re-sent row or a re-run; counted as a duplicate).
 */

import type { MappedRow } from '@citywatch/core/connectors/mapping';
import { createSensorSchema, SENSOR_KINDS, type SensorKind } from '@citywatch/core/sensors/schemas';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { SensorsService } from '../sensors/service.js';

/** The kinds as registers write them (Chinese names of the 智慧小区 page, and the ids themselves). */
const KIND_NAMES: Record<string, SensorKind> = {
  一键报警: 'alarm_button',
  一键报警柱: 'alarm_button',
  紧急报警: 'alarm_button',
  烟感: 'smoke',
  烟感探测器: 'smoke',
  门禁: 'door',
  门磁: 'door',
  道闸: 'gate',
  摄像机: 'camera',
  摄像头: 'camera',
  人数统计: 'crowd_counter',
  客流计数: 'crowd_counter',
};

export function deviceKind(text: string): SensorKind | null {
  const t = text.trim();
  if ((SENSOR_KINDS as readonly string[]).includes(t.toLowerCase())) return t.toLowerCase() as SensorKind;
  return KIND_NAMES[t] ?? null;
}

/** The name a row registers: its name, with its code when the register has one. */
export function deviceName(row: MappedRow): string {
  const name = String(row.name);
  return row.code !== undefined ? `${name}（${String(row.code)}）` : name;
}

/** Registers one batch of rows; answers how many were written and the rest by reason. */
export async function writeSensorDevices(
  sensors: SensorsService,
  actor: Actor,
  rows: MappedRow[],
): Promise<{ written: number; rejected: Record<string, number> }> {
  const rejected: Record<string, number> = {};
  const refuse = (reason: string) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  };
  // The writer's communities (scoped in sensors' query), by id and by name.
  const communities = await sensors.communities(actor);
  const byKey = new Map<string, (typeof communities)[number]>();
  for (const c of communities) {
    byKey.set(c.id, c);
    if (!byKey.has(c.name)) byKey.set(c.name, c);
  }
  const registered = new Map<string, Set<string>>();
  const namesIn = async (communityId: string) => {
    let names = registered.get(communityId);
    if (!names) {
      names = new Set((await sensors.devices(actor, communityId)).map((d) => d.name));
      registered.set(communityId, names);
    }
    return names;
  };
  let written = 0;
  for (const row of rows) {
    const community = byKey.get(String(row.community).trim());
    if (!community) {
      refuse('unknown_community');
      continue;
    }
    const kind = deviceKind(String(row.kind));
    if (!kind) {
      refuse('unknown_kind');
      continue;
    }
    const lon = Number(row.lon);
    const lat = Number(row.lat);
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) || (lon === 0 && lat === 0)) {
      refuse('bad_position');
      continue;
    }
    const request = createSensorSchema.safeParse({
      communityId: community.id,
      kind,
      name: deviceName(row),
      address: row.address,
      lon,
      lat,
      ...(row.streamUrl !== undefined ? { streamUrl: row.streamUrl } : {}),
      ...(row.inactivityS !== undefined ? { inactivityS: row.inactivityS } : {}),
    });
    if (!request.success) {
      refuse(`invalid_${String(request.error.issues[0]?.path[0] ?? 'row')}`);
      continue;
    }
    const names = await namesIn(community.id);
    if (names.has(request.data.name)) {
      refuse('duplicate_device');
      continue;
    }
    try {
      // The answer holds the token (shown once to a person registering by hand); not kept here.
      await sensors.register(actor, request.data);
    } catch (error) {
      // A refusal names its field: the community (gone since the list was read, or out of the
      // writer's subtree) is unknown_community; any other field is that field's own rule.
      if (error instanceof ProblemError && error.code === 'validation') {
        const field = error.errors?.[0]?.field ?? 'row';
        refuse(field === 'communityId' ? 'unknown_community' : `invalid_${field}`);
        continue;
      }
      throw error;
    }
    names.add(request.data.name);
    written++;
  }
  return { written, rejected };
}
