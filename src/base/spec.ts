// What a protocol builder such as mqtt({ qos: 1 }) returns: the scenario DSL holds it, the
// driver named by `protocol` validates its options.

/** A protocol choice with its options, made by a builder such as `mqtt({ qos: 1 })`. */
export interface ProtocolSpec<Name extends string = string, Options = unknown> {
  protocol: Name;
  options: Options;
}
