/**
 * The report sections of the modules, in the order they are printed after the indicators. A module
 * adds its own here (one line); its section code lives in its folder.
 */
import { checkpointSection } from '../perimeter/reports.js';
import type { ReportSection } from './report-section.js';

export const REPORT_SECTIONS: readonly ReportSection[] = [checkpointSection];
