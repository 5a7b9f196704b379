/**
 * config: netdata.conf, stream.conf and exporting.conf read once at start-up into frozen typed objects,
 * netdata simple patterns, and the machine GUID. Other parts import only from here.
 */
export * from './types.js';
export {
  loadNetdataConfig, readNetdataConfig, type ConfigOverride, type NetdataConfigResult,
  DEFAULT_HISTORY_ENTRIES, DEFAULT_UPDATE_EVERY_SECS, DEFAULT_MEMORY_MODE,
} from './netdata.js';
export { DEFAULT_PORT, backendDataSource } from './netdata-sections.js';
export {
  loadStreamConfig, readStreamConfig, type StreamConfigResult, DEFAULT_COMPRESSION_ALGORITHMS_ORDER, DEFAULT_COMPRESSION_LEVELS,
} from './stream.js';
export { effectiveConfigText } from './effective.js';
export { isHeadless } from './roles.js';
export { parseConfigText, readConfigFile, type ParsedConfig } from './document.js';
export { parseList as parseConfigList } from './values.js';
export { parseDurationSecs } from './duration.js';
export { createSimplePattern, type SimplePattern } from './pattern.js';
export { loadOrCreateMachineGuid, isUuid, MACHINE_GUID_FILE } from './guid.js';
export { systemTimezone, timezoneAbbreviation } from './timezone.js';
export { loadExportingConfig, readExportingConfig, exportingConfigFile, type ExportingConfig, type ExportingInstanceConfig, type ExportingConnectorType, type DestinationsMode } from './exporting.js';
