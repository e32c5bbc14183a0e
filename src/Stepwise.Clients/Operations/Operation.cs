namespace Stepwise.Clients.Operations;

/// <summary>One operation, canonical per key so that the hot path compares references.</summary>
internal sealed class Operation(string key)
{
    /// <summary>Stands for a matched endpoint that is not counted and gets no policy: excluded from the API
    /// description, a method the endpoint does not serve (a CORS pre-flight), or a key outside the grammar.</summary>
    public static readonly Operation Excluded = new("");

    public string Key { get; } = key;

    public override string ToString() => Key;
}
