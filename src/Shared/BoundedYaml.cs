using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Yaml;

/// <summary>
/// A YAML text nested deeper than a reader allows. YamlDotNet builds its node tree recursively, so an
/// unbounded nesting ("[[[[…", a few hundred kilobytes) would end the process with a stack overflow
/// instead of an error; every YAML reader in Stepwise loads through <see cref="BoundedYaml"/>.
/// </summary>
internal sealed class YamlTooDeepException(Mark start, Mark end, int maxDepth)
    : YamlException(start, end, $"the YAML nests collections deeper than {maxDepth} levels")
{
    public int MaxDepth { get; } = maxDepth;
}

/// <summary>
/// Loads a YAML stream with its nesting bounded. The bound is checked on the parser's events as the tree
/// is built (one pass), so the recursion never goes deeper than <c>maxDepth</c> collections.
/// This file is compiled into each assembly that reads YAML (one source, no shared dependency).
/// </summary>
internal static class BoundedYaml
{
    /// <summary>Loads <paramref name="text"/>; throws <see cref="YamlTooDeepException"/> past <paramref name="maxDepth"/>
    /// nested mappings and sequences, and <see cref="YamlException"/> on syntax errors.</summary>
    public static YamlStream Load(string text, int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDepth);
        var stream = new YamlStream();
        stream.Load(new DepthLimitedParser(new Parser(new StringReader(text)), maxDepth));
        return stream;
    }

    private sealed class DepthLimitedParser(IParser inner, int maxDepth) : IParser
    {
        private int _depth;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }
            switch (inner.Current)
            {
                case MappingStart or SequenceStart:
                    if (++_depth > maxDepth)
                    {
                        throw new YamlTooDeepException(inner.Current.Start, inner.Current.End, maxDepth);
                    }
                    break;
                case MappingEnd or SequenceEnd:
                    _depth--;
                    break;
            }
            return true;
        }
    }
}
