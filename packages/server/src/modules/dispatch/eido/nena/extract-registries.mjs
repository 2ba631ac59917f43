// Rebuilds registries.json from the standard document at the tag (see SOURCE.md):
//   git -C <EIDO-JSON clone> show "refs/tags/NENA-STA-021.1b:Documentation/NENA-STA-021.1b EIDO JSON_2022.docx" > eido.docx
//   node extract-registries.mjs eido.docx > registries.json
// Needs `unzip`. Reads the document's paragraphs as text; a registry table is the rows of
// (value, literal description, reference) after its caption, as long as the reference reads
// "This document" or "APCO …"; a row with an empty value is skipped (one in table 3-2).
import { execFileSync } from 'node:child_process';

const xml = execFileSync('unzip', ['-p', process.argv[2], 'word/document.xml'], { maxBuffer: 1e8 }).toString();
const lines = xml
  .replace(/<\/w:p>/g, '\n')
  .replace(/<[^>]*>/g, '')
  .split('\n')
  .map((l) => l.trim().replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
const TABLES = {
  'Table 31 Agency Role Registry': 'EIDO-AgencyRole',
  'Table 32 Incident Type – Common Registry': 'EIDO-IncidentType-Common',
  'Table 33 Incident Status – Common Registry': 'EIDO-IncidentStatus-Common',
  'Table 38 Location Type Registry': 'EIDO-LocationType',
  'Table 39 Primary Unit Status-Common Registry': 'EIDO-PrimaryUnitStatus-Common',
  'Table 310 Secondary Unit Status-Common Registry': 'EIDO-SecondaryUnitStatus-Common',
  'Table 311 Emergency Resource Type-Common Registry': 'EIDO-EmergencyResourceType-Common',
  'Table 312 Resource Attribute Registry': 'EIDO-ResourceAttribute',
};
const out = {};
for (const [caption, name] of Object.entries(TABLES)) {
  let i = lines.indexOf(caption);
  if (i < 0 || lines[i + 1] !== 'Value' || lines[i + 3] !== 'Reference') throw new Error(`no table ${caption}`);
  i += 4;
  const values = {};
  while (i < lines.length && /^(This document|APCO [0-9.-]+)$/.test(lines[i + 2])) {
    if (lines[i] !== '') values[lines[i]] = lines[i + 1];
    i += 3;
  }
  out[name] = values;
}
console.log(JSON.stringify(out, null, 2));
