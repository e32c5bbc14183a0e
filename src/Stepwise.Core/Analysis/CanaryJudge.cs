namespace Stepwise.Core.Analysis;

/// <summary>Judges canary against baseline (Kayenta's semantics). Pure.</summary>
public static class CanaryJudge
{
    public static AnalysisResult Judge(AnalysisInput input) =>
        throw new NotImplementedException("The canary judge is being written.");
}
