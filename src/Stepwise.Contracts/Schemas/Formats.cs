namespace Stepwise.Contracts.Schemas;

/// <summary>
/// How two string or number formats relate by the values they admit: the standard formats of JSON Schema 2020-12
/// and the OpenAPI format registry. A change between two standard formats is a real change of the values; a
/// format outside the list may be an annotation only, so a change to or from one is uncertain.
/// </summary>
internal static class Formats
{
    public enum Relation
    {
        /// <summary>Either format is not a standard one: the change may or may not matter.</summary>
        Unknown = 0,

        /// <summary>Neither admits all the other's values.</summary>
        Disjoint = 1,

        /// <summary>The new format admits every old value and more (int32 to int64).</summary>
        Wider = 2,

        /// <summary>The new format admits fewer values (int64 to int32).</summary>
        Narrower = 3,
    }

    private static readonly HashSet<string> Standard = new(StringComparer.Ordinal)
    {
        "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
        "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer", "relative-json-pointer",
        "regex", "int32", "int64", "float", "double", "byte", "binary",
    };

    /// <summary>Pairs (narrower, wider) where every value of the first is a value of the second.</summary>
    private static readonly HashSet<(string, string)> Included =
    [
        ("int32", "int64"), ("float", "double"), ("uri", "iri"), ("uri-reference", "iri-reference"),
        ("uri", "uri-reference"), ("iri", "iri-reference"), ("uri", "iri-reference"), ("email", "idn-email"), ("hostname", "idn-hostname"),
    ];

    /// <summary>
    /// Whether <paramref name="format"/>, added or removed (<paramref name="addedOrRemoved"/>), leaves every value JSON
    /// carries between implementations unchanged: int64 on an integer and double on a number. JSON implementations
    /// interoperate on numbers within IEEE 754 double precision, integers within ±(2^53 - 1) (RFC 8259 section 6,
    /// RFC 7493 section 2.2); int64 holds every such integer and double is that precision, so neither rejects a value an
    /// interoperable writer sends.
    /// </summary>
    public static bool SpansJsonNumbers(string format, SchemaTypes? types, bool addedOrRemoved) =>
        addedOrRemoved && ((format == "int64" && types == SchemaTypes.Integer) || (format == "double" && types == SchemaTypes.Number));

    public static Relation Compare(string oldFormat, string newFormat)
    {
        if (!Standard.Contains(oldFormat) || !Standard.Contains(newFormat))
        {
            return Relation.Unknown;
        }
        if (Included.Contains((oldFormat, newFormat)))
        {
            return Relation.Wider;
        }
        return Included.Contains((newFormat, oldFormat)) ? Relation.Narrower : Relation.Disjoint;
    }
}
