/**
 * Streaming OpenStreetMap reader: `.osm` / `.osm.xml` (XML, saxes), `.osm.gz` (gzipped XML) and
 * `.osm.pbf` / `.pbf` (protobuf, decoded here with the low-level `pbf` reader and node:zlib).
 *
 * Memory follows what is kept, not the file size, so the reader makes two passes:
 *  1. ways and relations: keep highway ways (tag subset, refs), remember the ways that carry
 *     buildings / addresses / places, the turn restrictions and admin boundaries, and collect the
 *     ids of the nodes those ways need;
 *  2. nodes: keep coordinates of the needed nodes only (typed arrays), and the tagged nodes that
 *     are addresses or places.
 * A PBF file is read blob by blob (never whole); pass 2 only inflates the blobs pass 1 saw nodes
 * in. An XML file is streamed from a read stream; pass 2 stops at the first way when the file has
 * the usual nodes-ways-relations order.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, inflateSync } from 'node:zlib';
import {
  type OsmAddressPoint,
  type OsmBoundary,
  type OsmBoundaryMember,
  type OsmBounds,
  type OsmBuilding,
  type OsmElementType,
  type OsmExtract,
  type OsmPlace,
  type OsmReadCounts,
  type OsmTags,
  type OsmTurnRestriction,
  type OsmWay,
  placeCategory,
  ringCentroid,
  WAY_TAG_KEYS,
} from '@citywatch/core/roads/osm';
import { PbfReader } from 'pbf';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** The file cannot be read as OSM data: unknown format, empty, truncated or corrupt. */
export class OsmReadError extends Error {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
    this.name = 'OsmReadError';
  }
}

export interface OsmReadOptions {
  /** Which highway ways to keep (default: every way with a `highway` tag). */
  keepHighwayWay?: (tags: OsmTags) => boolean;
}

export type OsmFileFormat = 'xml' | 'xml.gz' | 'pbf';

export function osmFileFormat(path: string): OsmFileFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.osm.pbf') || lower.endsWith('.pbf')) return 'pbf';
  if (lower.endsWith('.osm.gz') || lower.endsWith('.osm.xml.gz')) return 'xml.gz';
  if (lower.endsWith('.osm') || lower.endsWith('.osm.xml')) return 'xml';
  return null;
}

export async function readOsmFile(path: string, options: OsmReadOptions = {}): Promise<OsmExtract> {
  const format = osmFileFormat(path);
  if (format === null) {
    throw new OsmReadError('unknown OSM file extension (expected .osm, .osm.gz, .osm.pbf)', path);
  }
  const builder = new ExtractBuilder(options.keepHighwayWay ?? (() => true));
  try {
    if (format === 'pbf') await readPbf(path, builder);
    else await readXml(path, format === 'xml.gz', builder);
  } catch (err) {
    if (err instanceof OsmReadError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    if (isFileSystemError(err))
      throw new OsmReadError(`cannot read the file: ${reason}`, path, { cause: err });
    throw new OsmReadError(`corrupt or truncated ${format} file: ${reason}`, path, { cause: err });
  }
  return builder.finish();
}

/** Errors from open/read (ENOENT, EACCES, EISDIR…) as opposed to bad content. */
function isFileSystemError(err: unknown): boolean {
  return err instanceof Error && 'syscall' in err && typeof (err as NodeJS.ErrnoException).code === 'string';
}

// ---------------------------------------------------------------------------------------------
// Format-independent collection

class GrowableFloat64 {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

interface AreaWay {
  id: number;
  refs: Float64Array;
  building: string | null;
  name: string | null;
  addr: OsmTags | null;
  category: string | null;
}

interface Member {
  type: OsmElementType;
  ref: number;
  role: string;
}

function addrTags(tags: OsmTags): OsmTags | null {
  let addr: Record<string, string> | null = null;
  for (const key in tags) {
    if (key.startsWith('addr:')) {
      addr ??= {};
      addr[key.slice(5)] = tags[key];
    }
  }
  return addr;
}

function wayTagSubset(tags: OsmTags): OsmTags {
  const kept: Record<string, string> = {};
  for (const key in tags) if (WAY_TAG_KEYS.has(key)) kept[key] = tags[key];
  return kept;
}

class ExtractBuilder {
  bounds: OsmBounds | null = null;
  readonly counts: OsmReadCounts = {
    nodes: 0,
    ways: 0,
    relations: 0,
    missingNodeRefs: 0,
    restrictionsSkipped: 0,
  };
  private readonly ways: OsmWay[] = [];
  private readonly areaWays: AreaWay[] = [];
  private readonly restrictions: OsmTurnRestriction[] = [];
  private readonly boundaries: OsmBoundary[] = [];
  private readonly addresses: OsmAddressPoint[] = [];
  private readonly places: OsmPlace[] = [];
  private readonly neededIds = new GrowableFloat64();
  /** After pass 1: sorted unique ids of the nodes kept ways use; lon/lat filled in pass 2. */
  private needed = new Float64Array(0);
  private neededLon = new Float64Array(0);
  private neededLat = new Float64Array(0);

  constructor(private readonly keepHighwayWay: (tags: OsmTags) => boolean) {}

  way(id: number, refs: readonly number[], tags: OsmTags): void {
    this.counts.ways++;
    if (tags.highway !== undefined && this.keepHighwayWay(tags)) {
      const kept = Float64Array.from(refs);
      this.ways.push({ id, refs: kept, tags: wayTagSubset(tags) });
      for (const r of refs) this.neededIds.push(r);
    }
    const building = tags.building ?? null;
    const addr = addrTags(tags);
    const category = placeCategory(tags);
    if ((building !== null && building !== 'no') || addr !== null || category !== null) {
      this.areaWays.push({
        id,
        refs: Float64Array.from(refs),
        building: building !== 'no' ? building : null,
        name: tags.name ?? null,
        addr,
        category,
      });
      for (const r of refs) this.neededIds.push(r);
    }
  }

  relation(id: number, members: readonly Member[], tags: OsmTags): void {
    this.counts.relations++;
    const type = tags.type;
    if (type === 'restriction') {
      const kind =
        tags.restriction ?? tags['restriction:motorcar'] ?? tags['restriction:motor_vehicle'] ?? null;
      const ways = (role: string) =>
        members.filter((m) => m.role === role && m.type === 'way').map((m) => m.ref);
      const fromWays = ways('from');
      const toWays = ways('to');
      const viaNodes = members.filter((m) => m.role === 'via' && m.type === 'node');
      const viaWays = ways('via');
      // Exactly one via node or at least one via way; anything else cannot be resolved at all.
      const viaOk =
        (viaNodes.length === 1 && viaWays.length === 0) || (viaNodes.length === 0 && viaWays.length > 0);
      if (fromWays.length === 0 || toWays.length === 0 || !viaOk) {
        this.counts.restrictionsSkipped++;
        return;
      }
      this.restrictions.push({
        osmId: id,
        kind,
        fromWays,
        viaNode: viaNodes.length === 1 ? viaNodes[0].ref : null,
        viaWays,
        toWays,
        except: (tags.except ?? '')
          .split(';')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      });
    } else if (
      (tags.boundary === 'administrative' || tags.boundary === 'land_area') &&
      (type === 'boundary' || type === 'multipolygon')
    ) {
      const kept: OsmBoundaryMember[] = members.map((m) => ({ type: m.type, ref: m.ref, role: m.role }));
      this.boundaries.push({
        osmId: id,
        kind: tags.boundary,
        name: tags.name ?? null,
        adminLevel: tags.admin_level ?? null,
        members: kept,
      });
    }
  }

  /** Between the passes: sort and dedupe the needed node ids. */
  endWayPass(): void {
    const ids = this.neededIds.data.subarray(0, this.neededIds.length).sort();
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (n === 0 || ids[i] !== ids[n - 1]) ids[n++] = ids[i];
    this.needed = ids.slice(0, n);
    this.neededIds.data = new Float64Array(0);
    this.neededIds.length = 0;
    this.neededLon = new Float64Array(n).fill(Number.NaN);
    this.neededLat = new Float64Array(n).fill(Number.NaN);
  }

  node(id: number, lon: number, lat: number, tags: OsmTags | null): void {
    this.counts.nodes++;
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      throw new Error(`node ${id} has invalid coordinates (${lon}, ${lat})`);
    }
    const index = binarySearch(this.needed, id);
    if (index >= 0) {
      this.neededLon[index] = lon;
      this.neededLat[index] = lat;
    }
    if (tags === null) return;
    const addr = addrTags(tags);
    if (addr !== null) {
      this.addresses.push({ source: 'node', osmId: id, lon, lat, addr, name: tags.name ?? null });
    }
    const category = placeCategory(tags);
    if (category !== null) {
      this.places.push({ source: 'node', osmId: id, category, name: tags.name ?? null, lon, lat });
    }
  }

  finish(): OsmExtract {
    // Compact the node table to the nodes that were actually found.
    let found = 0;
    for (let i = 0; i < this.needed.length; i++) if (!Number.isNaN(this.neededLon[i])) found++;
    const id = new Float64Array(found);
    const lon = new Float64Array(found);
    const lat = new Float64Array(found);
    for (let i = 0, j = 0; i < this.needed.length; i++) {
      if (Number.isNaN(this.neededLon[i])) continue;
      id[j] = this.needed[i];
      lon[j] = this.neededLon[i];
      lat[j] = this.neededLat[i];
      j++;
    }
    for (const way of this.ways) {
      for (const r of way.refs) if (binarySearch(id, r) < 0) this.counts.missingNodeRefs++;
    }

    const buildings: OsmBuilding[] = [];
    for (const area of this.areaWays) {
      const ring: [number, number][] = [];
      for (const r of area.refs) {
        const k = binarySearch(id, r);
        if (k >= 0) ring.push([lon[k], lat[k]]);
      }
      if (ring.length === 0) continue;
      const closed = area.refs.length > 2 && area.refs[0] === area.refs[area.refs.length - 1];
      // The centroid formula wants the ring without the repeated closing vertex.
      const [cLon, cLat] = ringCentroid(closed && ring.length > 1 ? ring.slice(0, -1) : ring);
      if (area.building !== null) {
        buildings.push({
          osmId: area.id,
          kind: area.building,
          name: area.name,
          centroidLon: cLon,
          centroidLat: cLat,
          ring,
        });
      }
      if (area.addr !== null) {
        this.addresses.push({
          source: 'way',
          osmId: area.id,
          lon: cLon,
          lat: cLat,
          addr: area.addr,
          name: area.name,
        });
      }
      if (area.category !== null) {
        this.places.push({
          source: 'way',
          osmId: area.id,
          category: area.category,
          name: area.name,
          lon: cLon,
          lat: cLat,
        });
      }
    }

    return {
      bounds: this.bounds,
      nodes: { id, lon, lat },
      ways: this.ways,
      addresses: this.addresses,
      places: this.places,
      buildings,
      restrictions: this.restrictions,
      boundaries: this.boundaries,
      counts: this.counts,
    };
  }
}

function binarySearch(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v < value) lo = mid + 1;
    else if (v > value) hi = mid - 1;
    else return mid;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// XML

type XmlPass = 'ways' | 'nodes';

function numberAttr(tag: SaxesTagPlain, name: string): number {
  const raw = tag.attributes[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`<${tag.name}> has a missing or bad ${name}="${raw ?? ''}"`);
  return value;
}

async function readXml(path: string, gzipped: boolean, builder: ExtractBuilder): Promise<void> {
  const first = await xmlPass(path, gzipped, 'ways', builder, false);
  builder.endWayPass();
  await xmlPass(path, gzipped, 'nodes', builder, !first.nodeAfterWay);
}

async function xmlPass(
  path: string,
  gzipped: boolean,
  pass: XmlPass,
  builder: ExtractBuilder,
  stopAtFirstWay: boolean,
): Promise<{ nodeAfterWay: boolean }> {
  const parser = new SaxesParser<{ xmlns: false }>({ xmlns: false });
  let sawRoot = false;
  let sawWay = false;
  let nodeAfterWay = false;
  let stop = false;

  // The element being read; tags are collected only for elements this pass keeps.
  let current: 'node' | 'way' | 'relation' | null = null;
  let skipping = false;
  let id = 0;
  let lon = 0;
  let lat = 0;
  let tags: Record<string, string> | null = null;
  const refs: number[] = [];
  const members: Member[] = [];

  parser.on('opentag', (tag) => {
    switch (tag.name) {
      case 'osm':
        sawRoot = true;
        break;
      case 'bounds':
        if (pass === 'ways') {
          builder.bounds = {
            minLon: numberAttr(tag, 'minlon'),
            minLat: numberAttr(tag, 'minlat'),
            maxLon: numberAttr(tag, 'maxlon'),
            maxLat: numberAttr(tag, 'maxlat'),
          };
        }
        break;
      case 'node':
      case 'way':
      case 'relation': {
        if (!sawRoot) throw new Error(`<${tag.name}> outside <osm>`);
        current = tag.name;
        if (tag.name === 'node' && sawWay) nodeAfterWay = true;
        if (tag.name !== 'node') sawWay = true;
        if (tag.name !== 'node' && stopAtFirstWay) {
          stop = true;
          skipping = true;
          break;
        }
        // JOSM files can hold deleted objects; they are not part of the map.
        const deleted = tag.attributes.visible === 'false' || tag.attributes.action === 'delete';
        skipping = deleted || (pass === 'ways') === (tag.name === 'node');
        if (skipping) break;
        id = numberAttr(tag, 'id');
        if (tag.name === 'node') {
          lon = numberAttr(tag, 'lon');
          lat = numberAttr(tag, 'lat');
          tags = null;
        } else {
          tags = {};
          refs.length = 0;
          members.length = 0;
        }
        break;
      }
      case 'tag':
        if (current !== null && !skipping) {
          const k = tag.attributes.k;
          const v = tag.attributes.v;
          if (k !== undefined && v !== undefined) {
            tags ??= {};
            tags[k] = v;
          }
        }
        break;
      case 'nd':
        if (current === 'way' && !skipping) refs.push(numberAttr(tag, 'ref'));
        break;
      case 'member':
        if (current === 'relation' && !skipping) {
          const type: string | undefined = tag.attributes.type;
          if (type === 'node' || type === 'way' || type === 'relation') {
            members.push({ type, ref: numberAttr(tag, 'ref'), role: tag.attributes.role ?? '' });
          }
        }
        break;
      default:
        break;
    }
  });

  parser.on('closetag', (tag) => {
    if (tag.name !== current) return;
    if (!skipping) {
      if (current === 'node') builder.node(id, lon, lat, tags);
      else if (current === 'way') builder.way(id, refs, tags ?? {});
      else builder.relation(id, members, tags ?? {});
    }
    current = null;
    skipping = false;
  });

  const file = createReadStream(path);
  const text = gzipped ? file.pipe(createGunzip()) : file;
  if (gzipped) file.on('error', (err) => text.destroy(err));
  text.setEncoding('utf8');
  try {
    for await (const chunk of text) {
      parser.write(chunk as string);
      if (stop) break;
    }
  } finally {
    file.destroy();
    if (text !== file) text.destroy();
  }
  if (!stop) {
    parser.close();
    if (!sawRoot) throw new Error('no <osm> root element (empty file?)');
  }
  return { nodeAfterWay };
}

// ---------------------------------------------------------------------------------------------
// PBF (https://wiki.openstreetmap.org/wiki/PBF_Format)

const MAX_BLOB_HEADER_SIZE = 64 * 1024;
const MAX_BLOB_SIZE = 32 * 1024 * 1024;
const SUPPORTED_FEATURES = new Set(['OsmSchema-V0.6', 'DenseNodes']);
const MEMBER_TYPES: readonly OsmElementType[] = ['node', 'way', 'relation'];

/** Wire type 2 = length-delimited, i.e. a packed repeated field. */
const WIRE_BYTES = 2;

interface RawBlob {
  type: string;
  index: number;
  bytes: Uint8Array;
}

/** Reads the file blob by blob; `wanted` decides per blob index whether its bytes are read at all. */
async function forEachBlob(
  path: string,
  wanted: (index: number) => boolean,
  visit: (blob: RawBlob) => void,
): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) throw new OsmReadError('empty file', path);
    let position = 0;
    let index = 0;
    const lengthBytes = Buffer.alloc(4);
    const readExactly = async (buffer: Uint8Array, what: string): Promise<void> => {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead !== buffer.length) {
        throw new OsmReadError(`truncated: ${what} ends after ${bytesRead} of ${buffer.length} bytes`, path);
      }
      position += buffer.length;
    };
    while (position < size) {
      await readExactly(lengthBytes, 'blob header length');
      const headerLength = lengthBytes.readUInt32BE(0);
      if (headerLength === 0 || headerLength > MAX_BLOB_HEADER_SIZE) {
        throw new OsmReadError(`corrupt: blob header length ${headerLength} at byte ${position - 4}`, path);
      }
      const headerBytes = new Uint8Array(headerLength);
      await readExactly(headerBytes, 'blob header');
      const header = decodeBlobHeader(headerBytes);
      if (header.dataSize < 0 || header.dataSize > MAX_BLOB_SIZE) {
        throw new OsmReadError(`corrupt: blob size ${header.dataSize}`, path);
      }
      if (position + header.dataSize > size) {
        throw new OsmReadError(
          `truncated: blob ${index} needs ${header.dataSize} bytes, ${size - position} left`,
          path,
        );
      }
      if (wanted(index)) {
        const bytes = new Uint8Array(header.dataSize);
        await readExactly(bytes, 'blob');
        visit({ type: header.type, index, bytes });
      } else {
        position += header.dataSize;
      }
      index++;
    }
    if (index === 0) throw new OsmReadError('no blobs', path);
  } finally {
    await handle.close();
  }
}

function decodeBlobHeader(bytes: Uint8Array): { type: string; dataSize: number } {
  const pbf = new PbfReader(bytes);
  let type = '';
  let dataSize = -1;
  for (let field = pbf.nextField(); field !== 0; field = pbf.nextField()) {
    if (field === 1) type = pbf.readString();
    else if (field === 3) dataSize = pbf.readVarint();
  }
  checkEnd(pbf, bytes.length, 'BlobHeader');
  if (type === '' || dataSize < 0) throw new Error('BlobHeader without type or datasize');
  return { type, dataSize };
}

function checkEnd(pbf: PbfReader, end: number, what: string): void {
  if (pbf.pos !== end) throw new Error(`${what} overruns its bytes (${pbf.pos} != ${end})`);
}

function inflateBlob(bytes: Uint8Array): Uint8Array {
  const pbf = new PbfReader(bytes);
  let raw: Uint8Array | null = null;
  let zlib: Uint8Array | null = null;
  let rawSize = -1;
  let unsupported: string | null = null;
  for (let field = pbf.nextField(); field !== 0; field = pbf.nextField()) {
    if (field === 1) raw = pbf.readBytes();
    else if (field === 2) rawSize = pbf.readVarint();
    else if (field === 3) zlib = pbf.readBytes();
    else if (field === 4) unsupported = 'lzma';
    else if (field === 5) unsupported = 'bzip2';
    else if (field === 6) unsupported = 'lz4';
    else if (field === 7) unsupported = 'zstd';
  }
  checkEnd(pbf, bytes.length, 'Blob');
  if (raw !== null) return raw;
  if (zlib !== null) {
    const data = inflateSync(zlib);
    if (rawSize >= 0 && data.length !== rawSize) {
      throw new Error(`blob inflates to ${data.length} bytes, header says ${rawSize}`);
    }
    return data;
  }
  if (unsupported !== null) throw new Error(`${unsupported}-compressed blobs are not supported`);
  throw new Error('blob has no data');
}

async function readPbf(path: string, builder: ExtractBuilder): Promise<void> {
  const blobsWithNodes = new Set<number>();
  let sawHeader = false;
  const decoder = new PrimitiveBlockDecoder();
  await forEachBlob(
    path,
    () => true,
    (blob) => {
      if (blob.type === 'OSMHeader') {
        readHeaderBlock(inflateBlob(blob.bytes), builder, path);
        sawHeader = true;
      } else if (blob.type === 'OSMData') {
        if (!sawHeader) throw new OsmReadError('OSMData blob before the OSMHeader blob', path);
        if (decoder.decode(inflateBlob(blob.bytes), 'ways', builder)) blobsWithNodes.add(blob.index);
      }
      // Other blob types are allowed by the format and skipped.
    },
  );
  if (!sawHeader) throw new OsmReadError('no OSMHeader blob: not an OSM PBF file', path);
  builder.endWayPass();
  await forEachBlob(
    path,
    (index) => blobsWithNodes.has(index),
    (blob) => {
      decoder.decode(inflateBlob(blob.bytes), 'nodes', builder);
    },
  );
}

function readHeaderBlock(bytes: Uint8Array, builder: ExtractBuilder, path: string): void {
  const pbf = new PbfReader(bytes);
  for (let field = pbf.nextField(); field !== 0; field = pbf.nextField()) {
    if (field === 1) {
      // HeaderBBox in nanodegrees: left, right, top, bottom.
      const box = { left: 0, right: 0, top: 0, bottom: 0 };
      pbf.readMessage((tag, b, p) => {
        if (tag === 1) b.left = p.readSVarint();
        else if (tag === 2) b.right = p.readSVarint();
        else if (tag === 3) b.top = p.readSVarint();
        else if (tag === 4) b.bottom = p.readSVarint();
      }, box);
      builder.bounds = {
        minLon: box.left * 1e-9,
        maxLon: box.right * 1e-9,
        maxLat: box.top * 1e-9,
        minLat: box.bottom * 1e-9,
      };
    } else if (field === 4) {
      const feature = pbf.readString();
      if (!SUPPORTED_FEATURES.has(feature)) {
        throw new OsmReadError(`unsupported required feature "${feature}"`, path);
      }
    }
  }
  checkEnd(pbf, bytes.length, 'HeaderBlock');
}

/** Appends a repeated numeric field whether the writer packed it or not. */
function readRepeated(pbf: PbfReader, out: number[], kind: 'varint' | 'svarint'): void {
  if (pbf.type === WIRE_BYTES) {
    if (kind === 'svarint') pbf.readPackedSVarint(out);
    else pbf.readPackedVarint(out);
  } else {
    out.push(kind === 'svarint' ? pbf.readSVarint() : pbf.readVarint());
  }
}

/**
 * Decodes PrimitiveBlocks; the scratch arrays live as long as the decoder so blocks after the
 * first allocate only their strings and kept objects.
 */
class PrimitiveBlockDecoder {
  private strings: string[] = [];
  private readonly textDecoder = new TextDecoder('utf-8', { fatal: true });
  private readonly groups: number[] = [];
  private readonly ids: number[] = [];
  private readonly lats: number[] = [];
  private readonly lons: number[] = [];
  private readonly keysVals: number[] = [];
  private readonly keys: number[] = [];
  private readonly vals: number[] = [];
  private readonly refs: number[] = [];
  private readonly roles: number[] = [];
  private readonly memIds: number[] = [];
  private readonly memTypes: number[] = [];
  private readonly members: Member[] = [];
  private granularity = 100;
  private latOffset = 0;
  private lonOffset = 0;

  /** Returns whether the block holds nodes (so pass 2 knows which blobs to read again). */
  decode(bytes: Uint8Array, pass: XmlPass, builder: ExtractBuilder): boolean {
    const pbf = new PbfReader(bytes);
    // granularity and offsets follow the groups on the wire, so find everything first.
    this.granularity = 100;
    this.latOffset = 0;
    this.lonOffset = 0;
    let stringTableStart = -1;
    let stringTableEnd = -1;
    this.groups.length = 0;
    for (let field = pbf.nextField(); field !== 0; field = pbf.nextField()) {
      if (field === 1 || field === 2) {
        const length = pbf.readVarint();
        const start = pbf.pos;
        pbf.pos += length;
        if (pbf.pos > bytes.length) throw new Error('PrimitiveBlock field overruns the block');
        if (field === 1) {
          stringTableStart = start;
          stringTableEnd = pbf.pos;
        } else {
          this.groups.push(start, pbf.pos);
        }
      } else if (field === 17) this.granularity = pbf.readVarint();
      else if (field === 19) this.latOffset = pbf.readVarint(true);
      else if (field === 20) this.lonOffset = pbf.readVarint(true);
    }
    checkEnd(pbf, bytes.length, 'PrimitiveBlock');

    let hasNodes = false;
    let hasWanted = false;
    for (let g = 0; g < this.groups.length; g += 2) {
      const kind = this.groupKind(pbf, this.groups[g], this.groups[g + 1]);
      if (kind === 'nodes') hasNodes = true;
      if ((kind === 'nodes') === (pass === 'nodes') && kind !== 'empty') hasWanted = true;
    }
    if (!hasWanted) return hasNodes;

    this.readStringTable(pbf, stringTableStart, stringTableEnd);
    for (let g = 0; g < this.groups.length; g += 2) {
      this.readGroup(pbf, this.groups[g], this.groups[g + 1], pass, builder);
    }
    return hasNodes;
  }

  private groupKind(pbf: PbfReader, start: number, end: number): 'nodes' | 'other' | 'empty' {
    pbf.pos = start;
    const field = pbf.nextField(end);
    if (field === 0) return 'empty';
    return field === 1 || field === 2 ? 'nodes' : 'other';
  }

  private readStringTable(pbf: PbfReader, start: number, end: number): void {
    this.strings = [];
    if (start < 0) return;
    pbf.pos = start;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (field === 1) {
        const length = pbf.readVarint();
        this.strings.push(this.textDecoder.decode(pbf.buf.subarray(pbf.pos, pbf.pos + length)));
        pbf.pos += length;
      }
    }
    if (pbf.pos !== end) throw new Error('string table overruns its bytes');
  }

  private string(index: number): string {
    const s = this.strings[index];
    if (s === undefined) throw new Error(`string index ${index} outside the string table`);
    return s;
  }

  private tagsFrom(keys: readonly number[], vals: readonly number[]): Record<string, string> {
    if (keys.length !== vals.length) throw new Error('keys and vals differ in length');
    const tags: Record<string, string> = {};
    for (let i = 0; i < keys.length; i++) tags[this.string(keys[i])] = this.string(vals[i]);
    return tags;
  }

  private readGroup(
    pbf: PbfReader,
    start: number,
    end: number,
    pass: XmlPass,
    builder: ExtractBuilder,
  ): void {
    pbf.pos = start;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (pass === 'nodes' && field === 2) this.readDenseNodes(pbf, builder);
      else if (pass === 'nodes' && field === 1) this.readNode(pbf, builder);
      else if (pass === 'ways' && field === 3) this.readWay(pbf, builder);
      else if (pass === 'ways' && field === 4) this.readRelation(pbf, builder);
    }
    if (pbf.pos !== end) throw new Error('PrimitiveGroup overruns its bytes');
  }

  private coordinate(offset: number, value: number): number {
    return (offset + this.granularity * value) * 1e-9;
  }

  private readDenseNodes(pbf: PbfReader, builder: ExtractBuilder): void {
    const end = pbf.readVarint() + pbf.pos;
    const { ids, lats, lons, keysVals } = this;
    ids.length = 0;
    lats.length = 0;
    lons.length = 0;
    keysVals.length = 0;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (field === 1) readRepeated(pbf, ids, 'svarint');
      else if (field === 8) readRepeated(pbf, lats, 'svarint');
      else if (field === 9) readRepeated(pbf, lons, 'svarint');
      else if (field === 10) readRepeated(pbf, keysVals, 'varint');
    }
    if (pbf.pos !== end) throw new Error('DenseNodes overruns its bytes');
    if (lats.length !== ids.length || lons.length !== ids.length) {
      throw new Error('DenseNodes id/lat/lon arrays differ in length');
    }
    let id = 0;
    let lat = 0;
    let lon = 0;
    let kv = 0;
    for (let i = 0; i < ids.length; i++) {
      id += ids[i];
      lat += lats[i];
      lon += lons[i];
      let tags: Record<string, string> | null = null;
      if (keysVals.length > 0) {
        // keys_vals: k v k v … 0 per node; a node without tags is a lone 0.
        while (kv < keysVals.length && keysVals[kv] !== 0) {
          if (kv + 1 >= keysVals.length) throw new Error('DenseNodes keys_vals ends inside a pair');
          tags ??= {};
          tags[this.string(keysVals[kv])] = this.string(keysVals[kv + 1]);
          kv += 2;
        }
        kv++;
      }
      builder.node(id, this.coordinate(this.lonOffset, lon), this.coordinate(this.latOffset, lat), tags);
    }
  }

  private readNode(pbf: PbfReader, builder: ExtractBuilder): void {
    const end = pbf.readVarint() + pbf.pos;
    const { keys, vals } = this;
    keys.length = 0;
    vals.length = 0;
    let id = 0;
    let lat = 0;
    let lon = 0;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (field === 1) id = pbf.readSVarint();
      else if (field === 2) readRepeated(pbf, keys, 'varint');
      else if (field === 3) readRepeated(pbf, vals, 'varint');
      else if (field === 8) lat = pbf.readSVarint();
      else if (field === 9) lon = pbf.readSVarint();
    }
    if (pbf.pos !== end) throw new Error('Node overruns its bytes');
    const tags = keys.length > 0 ? this.tagsFrom(keys, vals) : null;
    builder.node(id, this.coordinate(this.lonOffset, lon), this.coordinate(this.latOffset, lat), tags);
  }

  private readWay(pbf: PbfReader, builder: ExtractBuilder): void {
    const end = pbf.readVarint() + pbf.pos;
    const { keys, vals, refs } = this;
    keys.length = 0;
    vals.length = 0;
    refs.length = 0;
    let id = 0;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (field === 1) id = pbf.readVarint(true);
      else if (field === 2) readRepeated(pbf, keys, 'varint');
      else if (field === 3) readRepeated(pbf, vals, 'varint');
      else if (field === 8) readRepeated(pbf, refs, 'svarint');
    }
    if (pbf.pos !== end) throw new Error('Way overruns its bytes');
    for (let i = 1; i < refs.length; i++) refs[i] += refs[i - 1];
    builder.way(id, refs, this.tagsFrom(keys, vals));
  }

  private readRelation(pbf: PbfReader, builder: ExtractBuilder): void {
    const end = pbf.readVarint() + pbf.pos;
    const { keys, vals, roles, memIds, memTypes, members } = this;
    keys.length = 0;
    vals.length = 0;
    roles.length = 0;
    memIds.length = 0;
    memTypes.length = 0;
    members.length = 0;
    let id = 0;
    for (let field = pbf.nextField(end); field !== 0; field = pbf.nextField(end)) {
      if (field === 1) id = pbf.readVarint(true);
      else if (field === 2) readRepeated(pbf, keys, 'varint');
      else if (field === 3) readRepeated(pbf, vals, 'varint');
      else if (field === 8) readRepeated(pbf, roles, 'varint');
      else if (field === 9) readRepeated(pbf, memIds, 'svarint');
      else if (field === 10) readRepeated(pbf, memTypes, 'varint');
    }
    if (pbf.pos !== end) throw new Error('Relation overruns its bytes');
    if (roles.length !== memIds.length || memTypes.length !== memIds.length) {
      throw new Error('Relation member arrays differ in length');
    }
    let ref = 0;
    for (let i = 0; i < memIds.length; i++) {
      ref += memIds[i];
      const type = MEMBER_TYPES[memTypes[i]];
      if (type === undefined) throw new Error(`unknown member type ${memTypes[i]}`);
      members.push({ type, ref, role: this.string(roles[i]) });
    }
    builder.relation(id, members, this.tagsFrom(keys, vals));
  }
}
