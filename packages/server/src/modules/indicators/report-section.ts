/**
 * A section a module adds to the org reports (日报、周报、月报) besides the indicator tables: the
 * perimeter checkpoint report (卡口日报告、周通报、月点评) is one. A section reads its module's own
 * tables for the report's period and org subtree, as an indicator does, and gives the same content
 * twice: an HTML fragment for the page and the PDF, and the worksheets for the workbook. The report
 * framework (report.ts) generates, archives and schedules them with the indicators.
 */
import type { Period, ReportKind } from '@citywatch/core/indicators/period';
import type ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { OrgScope } from '../scope.js';

export interface ReportSectionContext {
  db: Kysely<Database>;
  /** The report's org (its subtree is counted). */
  scope: OrgScope;
  kind: ReportKind;
  period: Period;
}

/** A section's content for one report, computed once. */
export interface ReportSectionContent {
  /** The section heading (zh). */
  title: string;
  /** The body under the heading: tables and inline SVG; styles of the report's page apply. */
  html: string;
  /** Adds the section's worksheets to the report's workbook. */
  sheets(book: ExcelJS.Workbook): void;
}

export interface ReportSection {
  id: string;
  build(ctx: ReportSectionContext): Promise<ReportSectionContent>;
}
