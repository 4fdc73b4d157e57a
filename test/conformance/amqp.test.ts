// The AMQP driver against the driver conformance suite, on the machine's RabbitMQ: a receiver
// declares a server-named queue bound to amq.topic; the sender publishes with confirms.
import { amqpDriver } from '../../src/protocols/amqp/index.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

const spec: DriverSpec = {
  ackedOptions: { confirm: true },
  address: () => {
    const key = `fbtest.conformance.${uniq()}`;
    return { send: key, subscribe: key };
  },
  refusedUrl: (port) => `amqp://guest:guest@127.0.0.1:${port}`,
};

describeDriver('RabbitMQ', amqpDriver, async () => ({ url: RABBITMQ_URL, close: async () => undefined }), spec);
