// What the `vigil` executable needs from the lower targets, re-exported one declaration at a time, so that it
// imports VigilRuntime only (DESIGN.md "Targets": `vigil` may import VigilRuntime) without every type of those
// targets becoming part of the runtime's API.
@_exported import struct VigilCore.DatasetRoles
@_exported import struct VigilCore.FairnessThresholds
@_exported import struct VigilCore.ReferenceProfile
@_exported import enum VigilCore.DurationText
@_exported import enum VigilElasticsearch.ElasticsearchDrain
@_exported import struct VigilElasticsearch.ElasticsearchConfiguration
@_exported import struct VigilElasticsearch.ElasticsearchSetup
@_exported import enum VigilGzip.GzipLibrary
