import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { decodeServerFrame } from "../../../src/agent/client/messages.ts";

const test = suite("agent/client/messages");

test("server frames the agent follows decode by name; unknown ones are `other`", () => {
  assert.equal(decodeServerFrame('{"message":"ping","data":[]}'), { type: "ping" });
  assert.equal(decodeServerFrame('{"message":"setRemoteSDP","data":["m1","v=0\\r\\n"]}'), { type: "setRemoteSDP", id: "m1", sdp: "v=0\r\n" });
  assert.equal(decodeServerFrame('{"message":"notifyStreamStatusEvent","data":[{"mediaSessionId":"m1","status":"FAILED","info":"Stream not found"}]}'), {
    type: "status",
    id: "m1",
    status: "FAILED",
    info: "Stream not found",
  });
  assert.equal(decodeServerFrame('{"message":"fail","data":[{"apiMethod":"StreamStatusEvent","id":"m1","info":"No common codecs"}]}'), { type: "fail", id: "m1", info: "No common codecs" });
  assert.equal(decodeServerFrame('{"message":"getVersion","data":["5.2"]}'), { type: "other", message: "getVersion" });
  assert.equal(decodeServerFrame('{"message":"getUserData","data":[{"sessionId":"s"}]}'), { type: "getUserData", userData: { sessionId: "s" } });
});

test("malformed server frames are ParseError ERR_AGENT_FRAME", () => {
  for (const bad of ["not json", "[]", '{"data":[]}', '{"message":"setRemoteSDP","data":["m1"]}', '{"message":"notifyStreamStatusEvent","data":["x"]}', "x".repeat(2_000_000)]) {
    try {
      decodeServerFrame(bad);
      assert.unreachable(`accepted ${bad.slice(0, 40)}`);
    } catch (err) {
      assert.instance(err, ParseError, bad.slice(0, 40));
      assert.is((err as ParseError).code, "ERR_AGENT_FRAME");
    }
  }
});

test.run();
