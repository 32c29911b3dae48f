import { suite } from "uvu";
import * as assert from "uvu/assert";
import { statusClass } from "../../../src/web/client/dom.ts";

const test = suite("web/client/dom");

test("status badges: running green, in-between amber, failures red, ended grey", () => {
  const table: [string, string][] = [
    ["ACTIVE", "badge ok"],
    ["PUBLISHING", "badge ok"],
    ["PLAYING", "badge ok"],
    ["CONNECTING", "badge warn"],
    ["PENDING", "badge warn"],
    ["RECONNECTING", "badge warn"],
    ["FAILED", "badge bad"],
    ["PLAYBACK_PROBLEM", "badge bad"],
    ["STOPPED", "badge"],
    ["UNPUBLISHED", "badge"],
    ["", "badge"],
    ["ACTIVE_SOMETHING", "badge"],
  ];
  for (const [status, cls] of table) assert.is(statusClass(status), cls, status);
});

test.run();
