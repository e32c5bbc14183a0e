using System.Diagnostics;
using CsCheck;

namespace Stepwise.Agent.Tests;

/// <summary>Malformed and hostile selectors: an error naming the option, where, and the fix; never a hang or a crash.</summary>
public class MetricSelectorTests
{
    private const string Option = AppMetricsSpec.ErrorsOption;

    private static FormatException Rejected(string selector, bool histogram = false) =>
        Should.Throw<FormatException>(() => MetricSelector.Parse(selector, Option, histogram));

    /// <summary>The selector is <paramref name="before"/> + <paramref name="after"/>; the error points at the first character of <paramref name="after"/>.</summary>
    [Theory]
    [InlineData("x{code=", "\"5..}", "never closed")]
    [InlineData("x{code=", "'5..}", "never closed")]
    [InlineData("x", "{code=\"5..\"", "never closed")]
    [InlineData("x{code=\"5", "\\d\\d\"}", "unknown escape")]
    [InlineData("x{code=\"5", "\\", "lone backslash")]
    [InlineData("x{code=\"", "\\u12\"}", "hex digits")]
    [InlineData("x{code=\"", "\\UFFFFFFFF\"}", "hex digits")]
    [InlineData("x{code=\"", "\\uD800\"}", "hex digits")]
    [InlineData("x{code", "==\"500\"}", "unknown operator ==")]
    [InlineData("x{code", "=!\"500\"}", "unknown operator =!")]
    [InlineData("x{code", ">\"500\"}", "unknown operator >")]
    [InlineData("x{code", ":\"500\"}", "expected an operator")]
    [InlineData("x{code", "}", "expected an operator")]
    [InlineData("x{code=", "500}", "in quotes")]
    [InlineData("", "{code=\"500\"}", "metric name is missing")]
    [InlineData("", "5xx_total", "cannot start a metric name")]
    [InlineData("x", "-y", "unexpected '-'")]
    [InlineData("x{", "1code=\"500\"}", "expected a label name")]
    [InlineData("x{co", "-de=\"500\"}", "expected an operator")]
    [InlineData("x{code=\"500\" ", "method=\"GET\"}", "expected , or }")]
    [InlineData("x{", "__name__=\"y\"}", "reserved")]
    [InlineData("x{a=\"1\"}", "{b=\"2\"}", "one {...}")]
    [InlineData("x{a=\"1\"} ", "extra", "unexpected 'e'")]
    [InlineData("x{a=~", "\"(5\"}", "not a valid regular expression")]
    [InlineData("x{a=~", "\"5)|(.*\"}", "not a valid regular expression")]
    [InlineData("x{a=\"", "\u0001\"}", "U+0001")]
    [InlineData("x", "\n", "U+000A")]
    public void a_malformed_selector_names_the_option_the_character_and_the_fix(string before, string after, string what)
    {
        var message = Rejected(before + after).Message;
        message.ShouldStartWith(Option);
        message.ShouldContain(what);
        message.ShouldContain($"at character {before.Length + 1}:");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void an_empty_selector_asks_for_a_metric_name(string selector)
    {
        Rejected(selector).Message.ShouldBe($"{Option}: the selector is empty; give a metric name, e.g. {Option} {AppMetricNames.Requests}");
    }

    [Fact]
    public void a_huge_selector_is_refused_before_it_is_read()
    {
        var huge = "x{a=\"" + new string('a', 1_000_000) + "\"}";
        var watch = Stopwatch.StartNew();
        var message = Rejected(huge).Message;
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        message.ShouldContain($"at most {MetricSelector.MaxLength:N0}");
        message.Length.ShouldBeLessThan(300);
        MetricSelector.Parse("x" + new string('a', MetricSelector.MaxLength - 1), Option).Name.Length.ShouldBe(MetricSelector.MaxLength);
    }

    [Fact]
    public void too_many_matchers_are_refused()
    {
        string Selector(int n) => "x{" + string.Join(',', Enumerable.Range(0, n).Select(i => $"l{i}=\"v\"")) + "}";
        MetricSelector.Parse(Selector(MetricSelector.MaxMatchers), Option).Matchers.Count.ShouldBe(MetricSelector.MaxMatchers);
        Rejected(Selector(MetricSelector.MaxMatchers + 1)).Message.ShouldContain($"at most {MetricSelector.MaxMatchers}");
    }

    [Theory]
    [InlineData("h_seconds_bucket", "without _bucket")]
    [InlineData("h_seconds{le=\"0.5\"}", "every bucket")]
    public void a_histogram_is_named_without_bucket_and_never_matches_le(string selector, string what)
    {
        Rejected(selector, histogram: true).Message.ShouldContain(what);
        MetricSelector.Parse(selector, Option).Name.ShouldStartWith("h_seconds");
    }

    [Fact]
    public void a_catastrophic_regex_hits_the_timeout_and_the_reading_is_an_error()
    {
        var spec = AppMetricsSpec.Create(null, "http_requests_total{path=~\"(a+)+b\"}", null, null);
        var samples = PrometheusText.Parse($"http_requests_total{{path=\"{new string('a', 40)}c\"}} 1\n");
        var watch = Stopwatch.StartNew();
        var message = Should.Throw<FormatException>(() => MetricReading.From(samples, spec)).Message;
        watch.Elapsed.ShouldBeLessThan(MetricSelector.MatchTimeout * 50);
        message.ShouldStartWith(AppMetricsSpec.ErrorsOption);
        message.ShouldContain("ran longer than");
        message.ShouldContain("path");
    }

    [Fact]
    public void a_regex_is_anchored_at_both_ends_and_dot_matches_a_newline()
    {
        var selector = MetricSelector.Parse("x{a=~\"5.\"}", Option);
        Dictionary<string, string> Label(string value) => new() { ["a"] = value };
        selector.Matches(Label("50")).ShouldBeTrue();
        selector.Matches(Label("5\n")).ShouldBeTrue();
        selector.Matches(Label("500")).ShouldBeFalse();
        selector.Matches(Label("50\n")).ShouldBeFalse();
        selector.Matches(Label("x50")).ShouldBeFalse();
    }

    [Fact]
    public void generated_selectors_parse_or_fail_with_a_format_error_quickly()
    {
        var alphabet = Gen.Char["ab_:5{}=!~<>\"'`\\,. ()+*|?[]^$\nxuU0"];
        Gen.OneOf(Gen.String[alphabet, 0, 60], Gen.String, Gen.String[Gen.Char, 0, 2_000]).Sample(text =>
        {
            var watch = Stopwatch.StartNew();
            try
            {
                var selector = MetricSelector.Parse(text, Option);
                selector.Name.ShouldNotBeEmpty();
                selector.Matches(new Dictionary<string, string> { ["a"] = "aaaaaaaaaaaaaaaaaaaaaaaaa!" });
            }
            catch (FormatException e)
            {
                e.Message.ShouldStartWith(Option);
            }
            return watch.Elapsed < TimeSpan.FromSeconds(2);
        }, iter: 3_000);
    }
}
