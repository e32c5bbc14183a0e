namespace Stepwise.Contracts.Schemas;

/// <summary>Which pairing of schemas a finding is about: a reader on one version with data written on the other.</summary>
internal enum Pairing
{
    /// <summary>A reader on the new schema reads what a writer on the old schema wrote (narrowing breaks it).</summary>
    NewReadsOld = 0,

    /// <summary>A reader on the old schema reads what a writer on the new schema wrote (widening breaks it).</summary>
    OldReadsNew = 1,
}

/// <summary>Who reads the data a schema describes, which sets the rule prefix and how pairings map to directions.</summary>
internal sealed class SchemaChannel
{
    private SchemaChannel(string scope, Direction newReadsOld, string newReadsOldEffect, string oldReadsNewEffect, bool dropsReadOnly, bool dropsWriteOnly)
    {
        Scope = scope;
        NewReadsOldDirection = newReadsOld;
        NewReadsOldEffect = newReadsOldEffect;
        OldReadsNewEffect = oldReadsNewEffect;
        DropsReadOnly = dropsReadOnly;
        DropsWriteOnly = dropsWriteOnly;
    }

    /// <summary>Request data: written by callers, read by the server. New server with old callers is backward.</summary>
    public static readonly SchemaChannel Request = new("request", Direction.Backward,
        "the new server rejects or misreads what callers built against the old contract send",
        "old servers (rollback, mixed fleet) reject or misread what callers built against the new contract send",
        dropsReadOnly: true, dropsWriteOnly: false);

    /// <summary>Response data: written by the server, read by callers. Old callers reading the new server is backward.</summary>
    public static readonly SchemaChannel Response = new("response", Direction.Forward,
        "callers built against the new contract reject or misread what old servers (rollback, mixed fleet) return",
        "callers built against the old contract reject or misread what the new server returns",
        dropsReadOnly: false, dropsWriteOnly: true);

    /// <summary>
    /// The request of a webhook or callback: written by the service, read by receivers, so judged as response data.
    /// readOnly and writeOnly describe the API's own requests and responses: here every property counts.
    /// </summary>
    public static readonly SchemaChannel SentRequest = new("response", Direction.Forward,
        "receivers built against the new contract reject or misread what old service nodes (rollback, mixed fleet) send",
        "receivers built against the old contract reject or misread what the new service sends",
        dropsReadOnly: false, dropsWriteOnly: false);

    /// <summary>The response to a webhook or callback: written by receivers, read by the service, so judged as request data.</summary>
    public static readonly SchemaChannel SentResponse = new("request", Direction.Backward,
        "the new service rejects or misreads what receivers built against the old contract reply",
        "old service nodes (rollback, mixed fleet) reject or misread what receivers built against the new contract reply",
        dropsReadOnly: false, dropsWriteOnly: false);

    /// <summary>A JSON Schema data contract; role reader: the compared schemas are what the deployed release reads.</summary>
    public static readonly SchemaChannel ReaderSchema = new("schema", Direction.Backward,
        "readers on the new schema reject or misread data written under the old schema",
        "readers on the old schema (rollback, mixed fleet) reject or misread data written under the new schema",
        dropsReadOnly: false, dropsWriteOnly: false);

    /// <summary>A JSON Schema data contract; role writer: the compared schemas are what the deployed release writes.</summary>
    public static readonly SchemaChannel WriterSchema = new("schema", Direction.Forward,
        "readers on the new schema reject or misread data that writers on the old schema (rollback, mixed fleet) wrote",
        "readers on the old schema reject or misread data the new writers write",
        dropsReadOnly: false, dropsWriteOnly: false);

    public string Scope { get; }
    public Direction NewReadsOldDirection { get; }
    public string NewReadsOldEffect { get; }
    public string OldReadsNewEffect { get; }

    /// <summary>readOnly properties are never sent in requests: they do not count there.</summary>
    public bool DropsReadOnly { get; }

    /// <summary>writeOnly properties are never returned in responses.</summary>
    public bool DropsWriteOnly { get; }

    public Direction DirectionOf(Pairing pairing) =>
        pairing == Pairing.NewReadsOld ? NewReadsOldDirection : NewReadsOldDirection == Direction.Backward ? Direction.Forward : Direction.Backward;

    public string EffectOf(Pairing pairing) => pairing == Pairing.NewReadsOld ? NewReadsOldEffect : OldReadsNewEffect;
}
