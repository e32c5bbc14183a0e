namespace Stepwise.Contracts;

/// <summary>
/// Which pairing of reader and writer a schema rule breaks. A schema change either makes the schema accept less
/// (a narrower reader: new readers reject data old writers produce) or more (a wider writer: old readers get data
/// they do not expect), or both. Which of these is "backward" depends on who reads: see <see cref="SchemaChannel"/>.
/// </summary>
public enum SchemaBreak
{
    /// <summary>The new schema accepts less: a reader on the new schema rejects what a writer on the old schema sends.</summary>
    Narrowing = 0,

    /// <summary>The new schema allows more: a reader on the old schema gets what a writer on the new schema sends.</summary>
    Widening = 1,

    /// <summary>Neither contains the other: both pairings break.</summary>
    Both = 2,
}

/// <summary>One compatibility rule: its stable id (a compatibility promise), default severity, what it means and the usual fix.</summary>
/// <param name="Id">Stable kebab-case id.</param>
/// <param name="Severity">Severity of a finding of this rule (some findings raise or lower it; docs/compat.md says when).</param>
/// <param name="Directions">Which directions the rule can break, in words (for documentation).</param>
/// <param name="Summary">What the rule detects.</param>
/// <param name="Fix">The usual safe way to make the change.</param>
public sealed record CompatRule(string Id, Severity Severity, string Directions, string Summary, string Fix);

/// <summary>The catalogue of every rule id the OpenAPI and JSON Schema checkers can report.</summary>
public static class CompatRules
{
    /// <summary>Prefixes of the schema rules: request data (parameters, request bodies), response data (bodies, headers), JSON Schema data contracts.</summary>
    public static readonly IReadOnlyList<string> SchemaScopes = ["request", "response", "schema"];

    /// <summary>Schema rules (without their scope prefix), shared by request, response and JSON Schema comparisons.</summary>
    public static readonly IReadOnlyList<(string Suffix, Severity Severity, SchemaBreak Break, string Summary, string Fix)> SchemaRules =
    [
        ("type-changed", Severity.Error, SchemaBreak.Both, "The type changed to one that neither includes nor is included by the old type.", "Add a new property (or operation) with the new type beside the old one; deprecate the old one and remove it a release later."),
        ("type-narrowed", Severity.Error, SchemaBreak.Narrowing, "The schema accepts fewer types (e.g. number to integer, a type removed from a type list, a type added where any was allowed).", "Keep accepting the old types; narrow only after no writer sends them."),
        ("type-widened", Severity.Error, SchemaBreak.Widening, "The schema allows more types (e.g. integer to number, a type added to a type list, the type constraint removed).", "Widen readers first (a release that accepts both), then let writers send the new type."),
        ("nullable-removed", Severity.Error, SchemaBreak.Narrowing, "null is no longer allowed.", "Keep null allowed until no writer sends it."),
        ("nullable-added", Severity.Error, SchemaBreak.Widening, "null is now allowed.", "Teach readers to handle null in one release; send null only from the next."),
        ("enum-value-removed", Severity.Error, SchemaBreak.Narrowing, "A value was removed from an enum.", "Keep the value accepted; stop writing it first and remove it once no writer sends it."),
        ("enum-value-added", Severity.Error, SchemaBreak.Widening, "A value was added to an enum.", "Release readers that tolerate the new value (or unknown values) before any writer sends it."),
        ("extensible-enum-value-removed", Severity.Error, SchemaBreak.Narrowing, "A value was removed from an x-extensible-enum: where the server reads it (request data), callers that send it are no longer served; where callers read it (response data), they accept unknown values, so it is info.", "Keep supporting the value until no caller sends it, then remove it."),
        ("extensible-enum-value-added", Severity.Info, SchemaBreak.Widening, "A value was added to an x-extensible-enum: readers on the client side accept unknown values; callers may send it to the server only once every server runs the new release (G5).", "Roll servers out before callers send the new value."),
        ("enum-constraint-added", Severity.Error, SchemaBreak.Narrowing, "An enum now restricts a value that was free.", "Add the restriction only after checking no writer sends other values."),
        ("enum-constraint-removed", Severity.Error, SchemaBreak.Widening, "An enum restriction was removed: any value may now be sent.", "Make readers accept arbitrary values before writers send them."),
        ("property-required-added", Severity.Error, SchemaBreak.Narrowing, "A property is now required (a new required property, or an optional one made required).", "Add it as optional with a server-side default; make it required only after every writer sends it."),
        ("property-required-removed", Severity.Error, SchemaBreak.Widening, "A property that readers require may now be omitted.", "Keep sending it until no reader requires it; then make it optional."),
        ("property-removed", Severity.Warning, SchemaBreak.Both, "A property was removed (an error when old readers require it or when the new schema is closed and rejects it).", "Deprecate the property in N, stop reading it, remove it in N+1 once no caller uses it."),
        ("property-added", Severity.Error, SchemaBreak.Widening, "A property was added where the old schema is closed (additionalProperties: false), so old readers reject it.", "Open the old schema first (or release readers that accept the property), then send it."),
        ("additional-properties-closed", Severity.Error, SchemaBreak.Narrowing, "additionalProperties became false (or narrower): unknown properties that old writers may send are rejected.", "Keep the schema open; close it only when no writer sends extra properties."),
        ("additional-properties-opened", Severity.Warning, SchemaBreak.Widening, "additionalProperties is no longer false: writers may send properties that old (closed) readers reject.", "Release readers that ignore unknown properties before writers send them."),
        ("numeric-range-narrowed", Severity.Error, SchemaBreak.Narrowing, "minimum/maximum (or their exclusive forms) now exclude values that were allowed.", "Keep the old range; narrow it only after writers no longer send the excluded values."),
        ("numeric-range-widened", Severity.Error, SchemaBreak.Widening, "minimum/maximum now allow values that old readers reject.", "Widen readers first, then let writers send the new values."),
        ("length-range-narrowed", Severity.Error, SchemaBreak.Narrowing, "minLength/maxLength now exclude string lengths that were allowed.", "Keep the old length limits until writers comply."),
        ("length-range-widened", Severity.Error, SchemaBreak.Widening, "minLength/maxLength now allow string lengths that old readers reject.", "Widen readers first, then let writers send longer or shorter strings."),
        ("item-count-narrowed", Severity.Error, SchemaBreak.Narrowing, "minItems/maxItems now exclude array sizes that were allowed.", "Keep the old limits until writers comply."),
        ("item-count-widened", Severity.Error, SchemaBreak.Widening, "minItems/maxItems now allow array sizes that old readers reject.", "Widen readers first."),
        ("property-count-narrowed", Severity.Error, SchemaBreak.Narrowing, "minProperties/maxProperties now exclude object sizes that were allowed.", "Keep the old limits until writers comply."),
        ("property-count-widened", Severity.Error, SchemaBreak.Widening, "minProperties/maxProperties now allow object sizes that old readers reject.", "Widen readers first."),
        ("multiple-of-changed", Severity.Error, SchemaBreak.Both, "multipleOf changed so that one side admits numbers the other rejects; compared by divisibility, so 4 to 2 (or removing it) breaks only the pairing whose reader is the old schema, 2 to 4 (or adding it) only the one whose reader is the new schema, 2 to 3 both.", "Keep multipleOf unchanged; introduce a new property for the new granularity."),
        ("pattern-added", Severity.Error, SchemaBreak.Narrowing, "A pattern now restricts a string that was free.", "Add the pattern only once every writer's values match it."),
        ("pattern-removed", Severity.Warning, SchemaBreak.Widening, "A pattern was removed: writers may send strings old readers reject.", "Relax readers before writers send non-matching strings."),
        ("pattern-changed", Severity.Warning, SchemaBreak.Both, "The pattern changed; values valid before may be rejected and the reverse.", "Change patterns in two steps: accept both, then restrict."),
        ("format-added", Severity.Warning, SchemaBreak.Narrowing, "A format now restricts a string that was free.", "Add the format only once every writer's values conform."),
        ("format-removed", Severity.Warning, SchemaBreak.Widening, "A format was removed: writers may send values old readers reject or misparse.", "Relax readers before writers send other values."),
        ("format-changed", Severity.Error, SchemaBreak.Both, "The format changed to one that admits other values (date-time to date; a warning when either format is not a standard one; int32 to int64 and float to double break only the pairing whose reader is narrower).", "Add a new property with the new format beside the old one."),
        ("unique-items-added", Severity.Warning, SchemaBreak.Narrowing, "uniqueItems became true: arrays with duplicates are rejected.", "Add the constraint only once writers send no duplicates."),
        ("unique-items-removed", Severity.Warning, SchemaBreak.Widening, "uniqueItems is no longer true: old readers may get duplicates.", "Make readers tolerate duplicates first."),
        ("variant-removed", Severity.Error, SchemaBreak.Narrowing, "A oneOf/anyOf alternative was removed.", "Keep the alternative accepted until no writer sends it."),
        ("variant-added", Severity.Error, SchemaBreak.Widening, "A oneOf/anyOf alternative was added.", "Release readers that understand the new alternative before writers send it."),
        ("variant-exclusivity-added", Severity.Warning, SchemaBreak.Narrowing, "anyOf, or a single schema, became oneOf: a value that matches several alternatives is now rejected (not reported when no value can match two alternatives: types or enums that share no value, or objects told apart by the values of a property both require; a warning, as overlap is not decided exactly).", "Keep anyOf (or the single schema) until no writer sends a value that matches several alternatives, or make the alternatives exclusive first (a required tag property with its own value in each)."),
        ("variant-exclusivity-removed", Severity.Warning, SchemaBreak.Widening, "oneOf became anyOf, or a single schema: a value that matches several alternatives, which oneOf rejects, is now allowed (not reported when no value can match two alternatives: types or enums that share no value, or objects told apart by the values of a property both require; a warning, as overlap is not decided exactly).", "Release readers that accept anyOf (or the single schema) before writers send a value that matches several alternatives."),
        ("discriminator-changed", Severity.Error, SchemaBreak.Both, "The discriminator property of a oneOf/anyOf changed, was added or removed: readers pick the alternative by a different field.", "Keep the discriminator property; add a new one beside it and move readers before writers."),
        ("default-changed", Severity.Error, SchemaBreak.Both, "The default value changed: an omitted value now means something else to one side (a warning when the default was removed; adding a default where there was none is not reported).", "Keep the default; send the value explicitly from writers before changing what its absence means."),
        ("keyword-changed", Severity.Warning, SchemaBreak.Both, "A JSON Schema keyword whose admitted values are not compared exactly (not, if/then/else, contains/minContains/maxContains, patternProperties, propertyNames, unevaluatedItems, unevaluatedProperties with a schema, dependentRequired, dependentSchemas, additionalItems, content*) was added, removed or changed: reported, never silenced.", "Check by hand that readers accept what writers send in both directions; where you can, express the change with properties, enum and bounds, which are compared exactly."),
        ("tuple-length-changed", Severity.Warning, SchemaBreak.Both, "A tuple (prefixItems / array-form items) gained or lost positions.", "Append optional positions only; never remove or reorder them."),
    ];

    /// <summary>Operation-level OpenAPI rules.</summary>
    public static readonly IReadOnlyList<CompatRule> OperationRules =
    [
        new("operation-removed", Severity.Error, "backward", "An operation (method + path template) that the old contract did not mark deprecated was removed.", "Deprecate it in N, remove it in N+1 once no caller uses it (G6)."),
        new("deprecated-operation-removed", Severity.Warning, "backward", "A deprecated operation was removed; safe only if no caller used it within the retention window.", "Check recorded client calls (G8) show no caller within the retention window before releasing."),
        new("deprecated-operation-removed-before-sunset", Severity.Error, "backward", "A deprecated operation was removed before the x-sunset date its old contract gave: callers were told they could use it until then.", "Keep the operation until its sunset date has passed."),
        new("operation-sunset-moved-earlier", Severity.Error, "backward", "The x-sunset date of a deprecated operation moved earlier: callers planned on the date they were given.", "Keep the sunset date, or move it later; never earlier."),
        new("operation-sunset-invalid", Severity.Warning, "backward", "An x-sunset is not a date (YYYY-MM-DD or an RFC 3339 date-time), so the promise it makes cannot be checked.", "Write the sunset as YYYY-MM-DD."),
        new("request-parameter-removed-before-sunset", Severity.Error, "backward", "A deprecated parameter was removed before the x-sunset date its old contract gave: callers were told they could send it until then.", "Keep accepting the parameter until its sunset date has passed."),
        new("request-parameter-sunset-moved-earlier", Severity.Error, "backward", "The x-sunset date of a deprecated parameter moved earlier: callers planned on the date they were given.", "Keep the sunset date, or move it later; never earlier."),
        new("request-parameter-sunset-invalid", Severity.Warning, "backward", "The x-sunset of a deprecated parameter is not a date (YYYY-MM-DD or an RFC 3339 date-time), so the promise it makes cannot be checked.", "Write the sunset as YYYY-MM-DD."),
        new("operation-added", Severity.Info, "forward", "A new operation: new callers get 404 from old servers until every server runs the new release.", "Roll servers out before callers use it (G5)."),
        new("operation-deprecated", Severity.Info, "backward", "The operation is now deprecated.", "Tell callers; remove it in a later release once no caller uses it."),
        new("webhook-removed", Severity.Error, "backward", "A webhook (name + method) was removed: receivers built against the old contract no longer get these calls from the new service (a warning when the old contract marked it deprecated).", "Deprecate it in N, stop sending it in N+1 once no receiver relies on it."),
        new("webhook-added", Severity.Info, "backward", "A new webhook: receivers built against the old contract may not handle it yet, and old service nodes do not send it.", "Tell receivers; they should ignore calls they do not know."),
        new("callback-removed", Severity.Error, "backward", "A callback (operation, callback name, runtime expression + method) was removed: receivers built against the old contract no longer get these calls from the new service (a warning when the old contract marked it deprecated).", "Deprecate it in N, stop sending it in N+1 once no receiver relies on it."),
        new("callback-added", Severity.Info, "backward", "A new callback: receivers built against the old contract may not handle it yet, and old service nodes do not send it.", "Tell receivers; they should ignore calls they do not know."),
        new("payload-media-type-added", Severity.Error, "backward", "A webhook or callback request may be sent in a new media type (receivers cannot negotiate it): receivers built against the old contract may get bodies they cannot read (information when a body is sent where there was none).", "Release receivers that read the new media type before the service sends it."),
        new("payload-media-type-removed", Severity.Warning, "forward; backward (error) when the body is no longer sent", "A webhook or callback request media type is no longer sent: receivers built against the new contract may not read it, but old service nodes still send it (an error when the body is gone: old receivers that read it get none).", "Keep receivers reading the old media type until no service node sends it; deprecate a body before dropping it."),
        new("request-parameter-removed", Severity.Warning, "backward (error for a header parameter); forward (error when it was required)", "A parameter was removed: old callers still send it and the new server ignores it (a header callers send, such as a precondition or idempotency key, silently loses its effect); an old server that requires it rejects new callers.", "Deprecate the parameter, keep accepting it, remove it a release later."),
        new("request-parameter-added", Severity.Info, "forward", "An optional parameter was added: old servers ignore it when new callers send it.", "Roll servers out before callers rely on it."),
        new("request-parameter-required-added", Severity.Error, "backward", "A parameter is now required (a new required parameter, or an optional one made required): old callers do not send it.", "Add it as optional with a default; require it only after every caller sends it."),
        new("request-parameter-required-removed", Severity.Error, "forward", "A required parameter became optional: new callers may omit it and old servers reject them.", "Make it optional on servers first; let callers omit it a release later."),
        new("request-parameter-style-changed", Severity.Error, "backward, forward", "The parameter's serialization (style/explode) changed: the same value is written differently.", "Add a new parameter with the new style; deprecate the old one."),
        new("request-body-removed", Severity.Warning, "backward; forward (error when it was required)", "The request body was removed.", "Keep accepting the body for a release; remove it once no caller sends it."),
        new("request-body-added", Severity.Info, "forward", "An optional request body was added: old servers ignore it.", "Roll servers out before callers rely on it."),
        new("request-body-required-added", Severity.Error, "backward", "The request body is now required: old callers may not send one.", "Keep it optional until every caller sends it."),
        new("request-body-required-removed", Severity.Error, "forward", "The request body became optional: new callers may omit it and old servers reject them.", "Make servers accept no body first."),
        new("request-media-type-removed", Severity.Error, "backward", "A request media type is no longer accepted: old callers sending it get 415.", "Keep accepting the media type until no caller sends it."),
        new("request-media-type-added", Severity.Warning, "forward", "A new request media type: new callers sending it to old servers get 415.", "Roll servers out before callers send it."),
        new("response-status-removed", Severity.Warning, "forward", "A response status was removed: new callers do not expect it, but old servers still return it.", "Keep the status documented until no server returns it."),
        new("response-success-status-changed", Severity.Error, "backward", "A success status was replaced by another (201 to 200, 200 to 201): callers built against the old contract that check for the old status treat the new one as a failure.", "Keep returning the old status; add the new behaviour as a new operation or behind an explicit request option."),
        new("response-status-added", Severity.Warning, "backward", "A response status was added: old callers may not handle it (information for a 5xx, and for a 4xx where the old operation documented a 4xx: callers read an unknown status by its class).", "Make sure callers treat unknown statuses of the class (2XX/4XX/5XX) sensibly before returning it."),
        new("response-media-type-removed", Severity.Error, "backward", "A response media type was removed: old callers asking for it get 406 or a body they cannot read.", "Keep producing the media type until no caller asks for it."),
        new("response-media-type-added", Severity.Warning, "forward", "A new response media type: new callers asking for it from old servers get 406.", "Roll servers out before callers ask for it."),
        new("response-header-removed", Severity.Warning, "backward (error when it was required)", "A response header was removed: old callers may read it.", "Deprecate the header, keep sending it, remove it once no caller reads it."),
        new("response-header-required-added", Severity.Error, "forward", "A response header is now required: new callers rely on it but old servers do not send it.", "Send the header from servers first; make it required a release later."),
        new("response-header-required-removed", Severity.Error, "backward", "A required response header became optional: old callers rely on it.", "Keep sending it until no caller relies on it."),
        new("security-requirement-added", Severity.Error, "backward", "The operation now demands a security scheme that old callers do not present.", "Accept both the old and the new scheme; require the new one after every caller has moved."),
        new("security-requirement-removed", Severity.Error, "forward", "The operation accepts a security scheme (or none) that old servers reject.", "Roll servers out before callers drop or switch credentials."),
        new("security-scope-added", Severity.Error, "backward", "The operation requires more OAuth scopes: old callers' tokens lack them.", "Accept the old scopes until callers' tokens carry the new ones."),
        new("security-scope-removed", Severity.Error, "forward", "The operation requires fewer OAuth scopes: new callers with smaller tokens are rejected by old servers.", "Roll servers out before callers request smaller tokens."),
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, CompatRule>> ById = new(() =>
    {
        var all = new Dictionary<string, CompatRule>(StringComparer.Ordinal);
        foreach (var rule in OperationRules)
        {
            all.Add(rule.Id, rule);
        }
        foreach (var scope in SchemaScopes)
        {
            foreach (var (suffix, severity, breaks, summary, fix) in SchemaRules)
            {
                all.Add($"{scope}-{suffix}", new CompatRule($"{scope}-{suffix}", severity, DescribeDirections(scope, breaks), summary, fix));
            }
        }
        return all;
    });

    /// <summary>Every rule, operation rules first, then the schema rules of each scope.</summary>
    public static IReadOnlyCollection<CompatRule> All => (IReadOnlyCollection<CompatRule>)ById.Value.Values;

    public static CompatRule Get(string id) =>
        ById.Value.TryGetValue(id, out var rule) ? rule : throw new KeyNotFoundException($"unknown compat rule id '{id}'");

    public static bool Exists(string id) => ById.Value.ContainsKey(id);

    private static string DescribeDirections(string scope, SchemaBreak breaks)
    {
        // Request data is read by the server: a narrower schema breaks the new server with old callers (backward).
        // Response data is read by callers: a wider schema breaks old callers of the new server (backward).
        var narrowing = scope switch { "request" => "backward", "response" => "forward", _ => "backward (role reader) / forward (role writer)" };
        var widening = scope switch { "request" => "forward", "response" => "backward", _ => "forward (role reader) / backward (role writer)" };
        return breaks switch
        {
            SchemaBreak.Narrowing => narrowing,
            SchemaBreak.Widening => widening,
            _ => "backward, forward",
        };
    }
}
