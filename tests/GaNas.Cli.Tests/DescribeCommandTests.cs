using System.Text.Json;
using GaNas.Cli;

namespace GaNas.Tests;

public class DescribeCommandTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GanasCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Describe_prints_canonical_string_params_and_macs_as_json()
    {
        var (code, output, error) = Run("describe", "--space", "tss", "--arch",
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
        error.Should().BeEmpty();
        code.Should().Be(0);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("space").GetString().Should().Be("tss");
        doc.RootElement.GetProperty("arch").GetString().Should().Be("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
        doc.RootElement.GetProperty("params").GetInt64().Should().Be(129306);
        doc.RootElement.GetProperty("macs").GetInt64().Should().BePositive();
        output.Should().NotContain("\\u002B", "the JSON should keep architecture strings readable");
    }

    [Fact]
    public void Describe_honours_classes_channels_and_cells()
    {
        var (code, output, _) = Run("describe", "--space", "sss", "--arch", "8:8:8:8:8", "--classes", "100", "--input-size", "16");
        code.Should().Be(0);
        using var doc = JsonDocument.Parse(output);
        // 100-class head: 8*100 + 100 instead of 8*10 + 10.
        doc.RootElement.GetProperty("params").GetInt64().Should().Be(11714 + 90 * 8 + 90);
        doc.RootElement.GetProperty("input_size").GetInt32().Should().Be(16);
    }

    [Theory]
    [InlineData("sss", "8:8:8:8", "expected 5 widths")]
    [InlineData("tss", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown operation 'conv'")]
    public void Describe_reports_malformed_architectures_on_stderr_with_nonzero_exit(string space, string arch, string message)
    {
        var (code, output, error) = Run("describe", "--space", space, "--arch", arch);
        code.Should().NotBe(0);
        output.Should().BeEmpty();
        error.Should().Contain(message);
    }

    [Fact]
    public void Unknown_space_is_a_usage_error()
    {
        var (code, _, error) = Run("describe", "--space", "darts", "--arch", "x");
        code.Should().Be(2);
        error.Should().Contain("darts");
    }
}
