#!/usr/bin/env node
// tests/standards/lrs.js: Learning Locker's statements service (npm xapi-statements, in
// memory) bound to loopback only: it calls app.listen(port), which would take every
// interface. Prints LRS_PORT=<port> once it listens (EXPRESS_PORT=0 picks a free one).
'use strict';
const http = require('http');
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
  const cb = rest.find((a) => typeof a === 'function');
  this.once('listening', () => process.stdout.write(`LRS_PORT=${this.address().port}\n`));
  return listen.call(this, port, '127.0.0.1', cb);
};
require('xapi-statements/dist/index.js');
