/** FLV: tags, codec configuration records, onMetaData, and the file reader and writer. */
export * from "./tag.ts";
export * from "./video-tag.ts";
export * from "./audio-tag.ts";
export * from "./avc-config.ts";
export * from "./aac-config.ts";
export * from "./metadata.ts";
export * from "./file-reader.ts";
export * from "./file-writer.ts";
export * from "./frames.ts";
export { MAX_TAG_DATA_SIZE } from "./limits.ts";
