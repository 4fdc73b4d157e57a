// The AMQP driver against the driver conformance suite, on the machine's RabbitMQ: a receiver
// declares a server-named queue bound to amq.topic; the sender publishes with confirms. The
// semantic checks: a wrong password (403 ACCESS_REFUSED), a publish to a missing exchange
// (channel.close 404, an error and no confirm) and rabbitmqctl close_connection (connection.close
// 320 CONNECTION_FORCED).
import { execFile } from 'node:child_process';
import { amqpDriver } from '../../src/protocols/amqp/index.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

const nothing = async (): Promise<void> => undefined;

function rabbitmqctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

const spec: DriverSpec = {
  ackedOptions: { confirm: true },
  address: () => {
    const key = `fbtest.conformance.${uniq()}`;
    return { send: key, subscribe: key };
  },
  refusedUrl: (port) => `amqp://guest:guest@127.0.0.1:${port}`,
  refusal: {
    // AMQP 0-9-1 §1.4.2.2: a refused login ends with connection.close 403 ACCESS_REFUSED.
    start: async () => ({
      url: 'amqp://guest:wrong-password@127.0.0.1:5672',
      reasonCodes: [403],
      name: /ACCESS_REFUSED/,
      close: nothing,
    }),
  },
  errorResponse: {
    // basic.publish to an exchange that does not exist: channel.close 404 NOT_FOUND, never a confirm.
    start: async (url) => ({
      url,
      options: { confirm: true, exchange: `fbtest.missing.${uniq()}` },
      send: 'fbtest.conformance.missing',
      error: /^amqp\.404$/,
      close: nothing,
    }),
  },
  disconnectReason: {
    start: async (url) => ({
      url,
      cause: 'server_disconnect',
      // connection.close with reply code 320 CONNECTION_FORCED, the broker's goodbye.
      key: /^amqp\.320$/,
      kick: async (clientId) => {
        // One rabbitmqctl call (each starts an Erlang node, seconds on a busy machine): close the
        // connection the device named with its client id (client property connection_name).
        const closed = await rabbitmqctl([
          'eval',
          `[rabbit_networking:close_connection(P, "fleetbench conformance") || P <- rabbit_networking:connections(), lists:keyfind(<<"connection_name">>, 1, proplists:get_value(client_properties, rabbit_networking:connection_info(P, [client_properties]), [])) =:= {<<"connection_name">>, longstr, <<"${clientId}">>}].`,
        ]);
        if (!closed.includes('ok')) throw new Error(`rabbitmqctl found no connection named ${clientId}: ${closed}`);
      },
      close: nothing,
    }),
  },
};

describeDriver('RabbitMQ', amqpDriver, async () => ({ url: RABBITMQ_URL, close: async () => undefined }), spec);
