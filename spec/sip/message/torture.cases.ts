/**
 * A torture corpus written from the descriptions in RFC 4475 ("SIP Torture Test Messages"),
 * sections 3.1.1 (valid), 3.1.2 (invalid), 3.3 and 3.4, in our own words and bytes (not copied from
 * the RFC). Each case names its RFC 4475 section and short name. `expect` is "valid" or the
 * ParseError code the decoder must give; `status` is what a UAS answers (RFC 3261 18.3 / 16.3).
 */
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";

export interface TortureCase {
  readonly name: string;
  readonly text: string;
  readonly expect: "valid" | string;
  /** For invalid requests: the status our UA answers. */
  readonly status?: number;
}

const CRLF = "\r\n";
export const lines = (...l: string[]): string => l.join(CRLF);

const HEAD = (method: string, uri = "sip:bob@example.com", cseqMethod = method) => [
  `${method} ${uri} SIP/2.0`,
  "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKtort1",
  "Max-Forwards: 70",
  "To: <sip:bob@example.com>",
  "From: <sip:alice@example.net>;tag=98asjd8",
  "Call-ID: torture-1@host1",
  `CSeq: 8 ${cseqMethod}`,
];
const req = (method: string, extra: string[] = [], uri?: string): string => lines(...HEAD(method, uri), ...extra, "Content-Length: 0", "", "");
const LONG = "x".repeat(2000);

/** Replaces `AUTO` in a Content-Length line with the byte length of the body. */
function withLength(text: string): string {
  const end = text.indexOf("\r\n\r\n");
  const body = new TextEncoder().encode(text.slice(end + 4)).length;
  return text.replace(/(Content-Length\s*:\s*)AUTO/, `$1${body}`);
}

export const TORTURE_CASES: readonly TortureCase[] = ([
  // 3.1.1.1 wsinv: compact and mixed-case names, folded lines, whitespace around ':' '/' ';' '=', escaped quotes in a display name.
  {
    name: "3.1.1.1 wsinv: a short tortuous INVITE with folding, compact forms and odd whitespace",
    text: lines(
      "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
      "TO :",
      " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
      'from   : "J Rosenberg \\\\\\"" <sip:jdrosen@example.com>',
      "  ;",
      "  tag = 98asjd8",
      "MaX-fOrWaRdS: 0068",
      "Call-ID: wsinv.ndaksdj@192.0.2.1",
      "Content-Length   : AUTO",
      "cseq: 0009",
      "  INVITE",
      "Via  : SIP  /   2.0",
      " /UDP",
      "    192.0.2.2;rport;branch=390skdjuw",
      "s :",
      "NewFangledHeader:   newfangled value",
      " continued newfangled value",
      "UnknownHeaderWithUnusualValue: ;;,,;;,;",
      "Content-Type: application/sdp",
      "Route:",
      " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
      "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
      "  branch  =   z9hG4bK9ikj8  ,",
      " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
      " z9hG4bK30239",
      'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
      "      newvalue ;",
      "  secondparam ; q = 0.33",
      "",
      "v=0",
      "o=mhandley 29739 7272939 IN IP4 192.0.2.3",
      "s=-",
      "c=IN IP4 192.0.2.4",
      "t=0 0",
      "m=audio 49217 RTP/AVP 0 12",
      "m=video 3227 RTP/AVP 31",
      "a=rtpmap:31 LPC",
      "",
    ),
    expect: "valid",
  },
  {
    name: "3.1.1.2 intmeth: a method of every token character, CSeq matching it",
    text: req("!interesting-Method0123456789_*+`.%indeed'~"),
    expect: "valid",
  },
  { name: "3.1.1.3 esc01: escaped characters in the Request-URI user part", text: req("OPTIONS", [], "sip:sips%3Auser%40example.com@example.net"), expect: "valid" },
  { name: "3.1.1.4 escnull: an escaped NUL (%00) in the user part", text: req("REGISTER", [], "sip:null-%00-null@example.com"), expect: "valid" },
  {
    name: "3.1.1.6 lwsdisp: no whitespace between a token display name and '<'",
    text: lines("OPTIONS sip:user@example.com SIP/2.0", "To: sip:user@example.com", "From: caller<sip:caller@example.com>;tag=323", "Max-Forwards: 70", "Call-ID: lwsdisp.1234abcd@funky.example.com", "CSeq: 60 OPTIONS", "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw", "l: 0", "", ""),
    expect: "valid",
  },
  {
    name: "3.1.1.7 longreq: very long header values, a long display name and many Via values",
    text: lines(
      "INVITE sip:user@example.com SIP/2.0",
      `To: "I have a user name of ${LONG} proportion" <sip:user@example.com:6000;unknownparam=${LONG};longparam${LONG}=shortvalue>`,
      "From: sip:caller@example.com;tag=12",
      `x-${LONG}: ${LONG}`,
      `Via: ${Array.from({ length: 40 }, (_, i) => `SIP/2.0/TCP sip${i}.example.com;branch=z9hG4bKlong${i}`).join(", ")}`,
      "Call-ID: longreq.one@example.com",
      "CSeq: 3882340 INVITE",
      "Max-Forwards: 70",
      "Content-Length: 0",
      "",
      "",
    ),
    expect: "valid",
  },
  {
    name: "3.1.1.8 dblreq: a datagram with bytes after Content-Length (they are discarded)",
    text: req("REGISTER") + lines("INVITE sip:joe@example.com SIP/2.0", "t: sip:joe@example.com", "", ""),
    expect: "valid",
  },
  { name: "3.1.1.9 semiuri: ';' inside the user part of the Request-URI", text: req("OPTIONS", [], "sip:user;par=u%40example.net@example.com"), expect: "valid" },
  {
    name: "3.1.1.10 transports: Via values with TLS, SCTP and an unknown transport",
    text: req("OPTIONS", ["Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf", "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj", "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en"]),
    expect: "valid",
  },
  {
    name: "3.1.1.11 mpart01: a multipart/mixed body is carried as bytes",
    text: lines(...HEAD("MESSAGE"), 'Content-Type: multipart/mixed;boundary=7a9cbec02ceef655', "Content-Length: AUTO", "", "--7a9cbec02ceef655", "Content-Type: text/plain", "", "hello", "--7a9cbec02ceef655--"),
    expect: "valid",
  },
  {
    name: "3.1.1.12 unreason: a reason phrase with UTF-8 and punctuation",
    text: lines("SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое", "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923", "Call-ID: unreason.1234ksdfak3j2erwedfsASdf", "CSeq: 35 INVITE", "From: sip:user@example.com;tag=11141343", "To: sip:user@example.edu;tag=2229", "Content-Length: 0", "", ""),
    expect: "valid",
  },
  {
    name: "3.1.1.13 noreason: a status line with an empty reason phrase",
    text: lines("SIP/2.0 100 ", "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe", "Call-ID: noreason.asndj203insdf99223ndf", "CSeq: 35 INVITE", "From: <sip:user@example.com>;tag=39ansfi3", "To: <sip:user@example.edu>;tag=902jndnke3", "Content-Length: 0", "", ""),
    expect: "valid",
  },
  { name: "3.3.1 (badbranch-like) a Via branch without the magic cookie is still a message", text: req("OPTIONS", ["Via: SIP/2.0/UDP 192.0.2.1;branch=1234"]), expect: "valid" },
  { name: "3.3.2 unkscm: a Request-URI with an unknown scheme parses (the UA answers 416)", text: req("OPTIONS", [], "nobodyKnowsThisScheme:totallyopaquecontent"), expect: "valid" },
  { name: "3.3.4 novelsc: a To URI with an unknown scheme", text: lines("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0", "To: isbn:2983792873", "From: <http://www.example.com>;tag=3234233", "Call-ID: novelsc.asdfasser0q239nwsdfasdkl34", "CSeq: 3923423 OPTIONS", "Max-Forwards: 7", "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234", "Content-Length: 0", "", ""), expect: "valid" },
  { name: "3.3.6 zeromf: Max-Forwards 0 parses (a proxy answers 483)", text: lines(...HEAD("OPTIONS").map((l) => (l.startsWith("Max-Forwards") ? "Max-Forwards: 0" : l)), "Content-Length: 0", "", ""), expect: "valid" },
  { name: "3.1.2.x baddate: a Date with a bad time zone is not parsed, the message is valid", text: req("INVITE", ["Date: Fri, 01 Jan 2010 16:00:00 EST"]), expect: "valid" },
  { name: "3.4.1 inv2543: an RFC 2543 INVITE without branch cookie and Max-Forwards", text: lines("INVITE sip:UserB@example.com SIP/2.0", "Via: SIP/2.0/UDP iftgw.example.com", "From: <sip:+13035551111@ift.client.example.net;user=phone>", "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>", "To: sip:+16505552222@ss1.example.net;user=phone", "Call-ID: inv2543.1717@ift.client.example.com", "CSeq: 56 INVITE", "Content-Length: 0", "", ""), expect: "valid" },
  { name: "compact forms i m f t v l c k s e all expand", text: lines("MESSAGE sip:bob@example.com SIP/2.0", "v: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKv6", "f: <sip:alice@example.net>;tag=1", "t: <sip:bob@example.com>", "i: compact@example.net", "CSeq: 1 MESSAGE", "m: <sip:alice@[2001:db8::9]:5070>", "k: timer, 100rel", "s: hello", "e: gzip", "c: text/plain", "l: 2", "", "hi"), expect: "valid" },

  // 3.1.2 invalid messages
  { name: "3.1.2.1 badinv01: junk where the CSeq method belongs", text: req("INVITE").replace("CSeq: 8 INVITE", "CSeq: 8 INV ITE"), expect: SIP_PARSE_ERR.CSEQ, status: 400 },
  { name: "3.1.2.2 clerr: Content-Length larger than the body", text: lines(...HEAD("INVITE"), "Content-Type: application/sdp", "Content-Length: 9999", "", "v=0"), expect: SIP_PARSE_ERR.CONTENT_LENGTH, status: 400 },
  { name: "3.1.2.3 scalar02: a negative Content-Length", text: lines(...HEAD("REGISTER"), "Content-Length: -999", "", ""), expect: SIP_PARSE_ERR.CONTENT_LENGTH, status: 400 },
  { name: "3.1.2.4 scalarlg: an overlarge CSeq number", text: req("REGISTER").replace("CSeq: 8 REGISTER", "CSeq: 36893488147419103232 REGISTER"), expect: SIP_PARSE_ERR.CSEQ, status: 400 },
  { name: "3.1.2.4 scalarlg: Max-Forwards above 255", text: req("REGISTER").replace("Max-Forwards: 70", "Max-Forwards: 300"), expect: SIP_PARSE_ERR.MAX_FORWARDS, status: 400 },
  { name: "3.1.2.4 scalarlg: Expires above 2**32-1", text: req("REGISTER", ["Expires: 10000000000"]), expect: SIP_PARSE_ERR.EXPIRES, status: 400 },
  { name: "3.1.2.5 quotbal: an unterminated quoted display name", text: req("INVITE").replace("To: <sip:bob@example.com>", 'To: "Mr. J. User <sip:j.user@example.com>'), expect: SIP_PARSE_ERR.NAME_ADDR, status: 400 },
  { name: "3.1.2.6 ltgtruri: a Request-URI in angle brackets", text: req("INVITE", [], "<sip:user@example.com>"), expect: SIP_PARSE_ERR.REQUEST_URI, status: 400 },
  { name: "3.1.2.7 lwsruri: whitespace inside the Request-URI", text: req("INVITE", [], "sip:user@example.com; lr"), expect: SIP_PARSE_ERR.START_LINE, status: 400 },
  { name: "3.1.2.8 lwsstart: several SP between request-line elements", text: req("INVITE").replace("INVITE sip:bob@example.com SIP/2.0", "INVITE  sip:bob@example.com  SIP/2.0"), expect: SIP_PARSE_ERR.START_LINE, status: 400 },
  { name: "3.1.2.9 trws: SP at the end of the request line", text: req("OPTIONS").replace("SIP/2.0\r\n", "SIP/2.0 \r\n"), expect: SIP_PARSE_ERR.START_LINE, status: 400 },
  { name: "3.1.2.10 escruri: escaped headers in a SIP Request-URI", text: req("INVITE", [], "sip:user@example.com?Route=%3Csip:example.com%3E"), expect: SIP_PARSE_ERR.REQUEST_URI, status: 400 },
  { name: "3.1.2.12 regbadct: a Contact URI with headers not in angle brackets", text: req("REGISTER", ["Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E"]), expect: SIP_PARSE_ERR.NAME_ADDR, status: 400 },
  { name: "3.1.2.13 badaspec: whitespace inside an addr-spec", text: req("OPTIONS").replace("To: <sip:bob@example.com>", "To: sip:bob@ example.com"), expect: SIP_PARSE_ERR.NAME_ADDR, status: 400 },
  { name: "3.1.2.14 baddn: non-token characters in an unquoted display name", text: req("OPTIONS").replace("From: <sip:alice@example.net>;tag=98asjd8", "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43"), expect: SIP_PARSE_ERR.NAME_ADDR, status: 400 },
  { name: "3.1.2.15 badvers: an unknown protocol version", text: req("OPTIONS").replace("SIP/2.0\r\n", "SIP/7.0\r\n"), expect: SIP_PARSE_ERR.VERSION, status: 505 },
  { name: "3.1.2.16 mismatch01: start line and CSeq method differ", text: lines(...HEAD("OPTIONS", undefined, "INVITE"), "Content-Length: 0", "", ""), expect: SIP_PARSE_ERR.CSEQ, status: 400 },
  { name: "3.1.2.17 mismatch02: an unknown method with a CSeq of another", text: lines(...HEAD("NEWMETHOD", undefined, "INVITE"), "Content-Length: 0", "", ""), expect: SIP_PARSE_ERR.CSEQ, status: 400 },
  { name: "3.1.2.19 bigcode: an overlarge response code", text: lines("SIP/2.0 4294967301 better not break the receiver", "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe", "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3", "CSeq: 3923239 OPTIONS", "From: <sip:user@example.edu>;tag=39ansfi3", "To: <sip:user@example.com>;tag=902jndnke3", "Content-Length: 0", "", ""), expect: SIP_PARSE_ERR.STATUS },
  { name: "3.3.5 insuf: Call-ID, From and To missing", text: lines("INVITE sip:user@example.com SIP/2.0", "CSeq: 193942 INVITE", "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf", "Content-Length: 0", "", ""), expect: SIP_PARSE_ERR.MISSING_HEADER },
  { name: "3.3.9 multi01: two To headers", text: req("INVITE", ["To: sip:other@example.com"]), expect: SIP_PARSE_ERR.DUPLICATE_HEADER, status: 400 },
  { name: "3.3.10 mcl01: two different Content-Length values", text: lines(...HEAD("OPTIONS"), "Content-Length: 0", "Content-Length: 4", "", "abcd"), expect: SIP_PARSE_ERR.DUPLICATE_HEADER, status: 400 },

  // framing and limits
  { name: "a header line without a colon", text: req("OPTIONS", ["NoColonHere"]), expect: SIP_PARSE_ERR.HEADER_LINE, status: 400 },
  { name: "a continuation line before any header", text: "OPTIONS sip:bob@example.com SIP/2.0\r\n folded\r\n\r\n", expect: SIP_PARSE_ERR.HEADER_LINE },
  { name: "a header name with a space", text: req("OPTIONS", ["Bad Header: x"]), expect: SIP_PARSE_ERR.HEADER_NAME, status: 400 },
  { name: "no blank line after the headers", text: "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n", expect: SIP_PARSE_ERR.NO_HEADER_END },
  { name: "only CRLFs (a keep-alive)", text: "\r\n\r\n", expect: SIP_PARSE_ERR.EMPTY },
  { name: "a body without Content-Type", text: lines(...HEAD("INFO"), "Content-Length: 2", "", "hi"), expect: SIP_PARSE_ERR.MISSING_HEADER, status: 400 },
  { name: "a Via without a sent-by host", text: req("OPTIONS").replace("Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKtort1", "Via: SIP/2.0/UDP ;branch=z9hG4bKtort1"), expect: SIP_PARSE_ERR.VIA, status: 400 },
  { name: "a Via port above 65535", text: req("OPTIONS").replace("host1.example.com;", "host1.example.com:70000;"), expect: SIP_PARSE_ERR.VIA, status: 400 },
  { name: "a request line with a bad method token", text: req("OPTIONS").replace("OPTIONS sip", "OPT<IONS sip"), expect: SIP_PARSE_ERR.METHOD, status: 400 },
  { name: "a Content-Length above the body limit", text: lines(...HEAD("OPTIONS"), "Content-Type: text/plain", "Content-Length: 99999999", "", ""), expect: SIP_PARSE_ERR.BODY_TOO_LARGE, status: 413 },
] as TortureCase[]).map((c) => ({ ...c, text: withLength(c.text) }));
