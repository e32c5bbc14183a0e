namespace Stepwise.Cli;

/// <summary>The process exit codes every <c>stepwise</c> command uses (ARCHITECTURE.md §6).</summary>
public static class ExitCodes
{
    /// <summary>Everything was allowed / compatible / valid.</summary>
    public const int Ok = 0;

    /// <summary>Something was refused, breaking, unsafe or violated a guarantee.</summary>
    public const int Refused = 1;

    /// <summary>Bad input or usage: nothing was done.</summary>
    public const int BadInput = 2;
}
