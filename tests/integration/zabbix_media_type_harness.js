// Runs the script of bsm's Zabbix webhook media type the way a Zabbix server does: the
// parameters as the JSON text `value`, with HttpRequest and Zabbix.log provided (here by curl
// and stderr). Prints what the script returns, or "ERROR: " and what it threw (exit status 1).
//
//   node zabbix_media_type_harness.js MEDIA_TYPE.yaml '{"bsm_url": ..., ...}'
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');

// The block scalar under "script: |", without its indentation.
function scriptOf(yamlText) {
  const lines = yamlText.split('\n');
  const start = lines.findIndex((line) => /^\s*script: \|\s*$/.test(line));
  if (start < 0) {
    throw new Error('no "script: |" in the media type');
  }
  const body = [];
  let indent = null;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      body.push('');
      continue;
    }
    const own = line.length - line.trimStart().length;
    if (indent === null) {
      indent = own;
    }
    if (own < indent) {
      break;
    }
    body.push(line.slice(indent));
  }
  return body.join('\n');
}

// Zabbix's HttpRequest, synchronous as in Zabbix, on top of curl.
class HttpRequest {
  constructor() {
    this.headers = [];
    this.status = 0;
  }
  addHeader(header) {
    this.headers.push(header);
  }
  post(url, body) {
    const args = ['-sS', '-X', 'POST', '--data-binary', '@-', '-w', '\n%{http_code}'];
    for (const header of this.headers) {
      args.push('-H', header);
    }
    args.push(url);
    const out = execFileSync('curl', args, { input: body }).toString();
    const cut = out.lastIndexOf('\n');
    this.status = parseInt(out.slice(cut + 1), 10);
    return out.slice(0, cut);
  }
  getStatus() {
    return this.status;
  }
}

const Zabbix = {
  log(level, message) {
    process.stderr.write(`[${level}] ${message}\n`);
  },
};

const [yamlPath, value] = process.argv.slice(2);
try {
  const script = scriptOf(fs.readFileSync(yamlPath, 'utf8'));
  const result = new Function('value', 'HttpRequest', 'Zabbix', script)(
    value, HttpRequest, Zabbix);
  process.stdout.write(String(result));
} catch (error) {
  process.stdout.write(`ERROR: ${error}`);
  process.exit(1);
}
