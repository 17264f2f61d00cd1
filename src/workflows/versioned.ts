/**
 * The workflows as a versioned worker registers them: the same code, plus each type's versioning behaviour
 * (versioning.ts). A separate entry (and bundle, dist/workflow-bundle-versioned.js) because the SDK refuses a
 * declared behaviour on a worker without deployment options, so unversioned workers load index.ts alone.
 */
export * from './index.js';
import './versioning.js';
