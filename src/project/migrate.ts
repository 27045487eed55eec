/**
 * Project format migrations: one function per version step, applied in order. Every format
 * that ever shipped has a fixture in tests/fixtures/projects/ that must keep loading.
 */
import { PROJECT_SCHEMA_VERSION } from '../contract';
import { AtlasError } from '../errors';

type Migration = (project: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[n] turns a version-n project into version n+1. Version 1 is the first format. */
const MIGRATIONS: Record<number, Migration> = {};

export function migrateProject(raw: { schemaVersion: number }, file: string): { schemaVersion: number } {
  let project = raw as Record<string, unknown> & { schemaVersion: number };
  while (project.schemaVersion < PROJECT_SCHEMA_VERSION) {
    const step = MIGRATIONS[project.schemaVersion];
    if (!step) throw new AtlasError('unsupported', `${file} uses project format ${project.schemaVersion}, which this app cannot read.`, { file });
    project = { ...step(project), schemaVersion: project.schemaVersion + 1 } as typeof project;
  }
  return project;
}
