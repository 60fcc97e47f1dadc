using System.IO.Compression;
using GaNas.Benchmarks;

namespace GaNas.Tests;

/// <summary>
/// Tables, checkpoints, resumable outputs and options that lie: each case ends in exit code 1 and a message naming the
/// file, line, field or option, never in a different result or a stack trace.
/// </summary>
public class HostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    private static void Refused((int Code, string Out, string Err) result, params string[] fragments)
    {
        result.Code.Should().NotBe(0, result.Err);
        result.Err.Should().NotContain("   at ", "a clear error, not a stack trace");
        foreach (string fragment in fragments) result.Err.Should().Contain(fragment);
    }

    private static readonly string[] SssArchs = ["8:8:8:8:8", "8:8:8:8:16", "8:8:8:16:8", "8:8:16:8:8", "8:16:8:8:8", "16:8:8:8:8"];

    /// <summary>A small SSS truth table and a proxy table of the same architectures.</summary>
    private (string Truth, string Proxies) Tables(Func<int, string>? archOfProxyRow = null)
    {
        string truth = PathOf("truth.csv"), proxies = PathOf("proxies.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. SssArchs.Select((a, i) => $"{i},{a},1,{80 + i},{70 + i}")]);
        File.WriteAllLines(proxies, ["index,arch,good,seconds", .. SssArchs.Select((a, i) => $"{i},{archOfProxyRow?.Invoke(i) ?? a},{i * i},0.5")]);
        return (truth, proxies);
    }

    private string Gzip(string csv, string name)
    {
        string path = PathOf(name);
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        using (var writer = new StreamWriter(gzip))
        {
            writer.Write(File.ReadAllText(csv));
        }
        return path;
    }

    private string LargeProxyTable()
    {
        string path = PathOf("large.csv");
        var random = new Random(3);
        File.WriteAllLines(path, ["index,good,seconds", .. Enumerable.Range(0, 4000).Select(i => $"{i},{random.NextDouble()},0.5")]);
        return path;
    }

    [Fact]
    public void A_truncated_gzip_table_is_an_error_naming_the_file()
    {
        string gz = Gzip(LargeProxyTable(), "large.csv.gz");
        byte[] bytes = File.ReadAllBytes(gz);
        File.WriteAllBytes(gz, bytes[..(bytes.Length / 2)]);
        string truth = PathOf("truth-large.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 4000).Select(i => $"{i},x,1,{i % 100},{i % 90}")]);
        Refused(Run("correlate", "--proxies", gz, "--truth", truth), gz, "gzip", "truncated");
    }

    [Fact]
    public void A_gzip_crc_error_is_reported_as_such()
    {
        string gz = Gzip(LargeProxyTable(), "crc.csv.gz");
        byte[] bytes = File.ReadAllBytes(gz);
        bytes[^8] ^= 0xFF;  // the trailer's CRC-32
        File.WriteAllBytes(gz, bytes);
        var act = () => ProxyTable.Read(gz);
        act.Should().Throw<InvalidDataException>().WithMessage($"{gz}: *CRC-32*");
    }

    [Fact]
    public void A_duplicated_truth_row_is_refused()
    {
        var (truth, proxies) = Tables();
        File.AppendAllLines(truth, ["3,8:8:16:8:8,1,10,10"]);
        Refused(Run("correlate", "--proxies", proxies, "--truth", truth), truth, "line 8", "index 3 appears twice");
    }

    [Fact]
    public void An_index_beyond_int_range_does_not_wrap()
    {
        var (truth, proxies) = Tables();
        File.AppendAllLines(proxies, [$"{(1L << 32) + 2},8:8:16:8:8,4,0.5"]);
        Refused(Run("correlate", "--proxies", proxies, "--truth", truth), proxies, "line 8", "outside 0..");
    }

    [Fact]
    public void Swapped_architecture_strings_are_refused_by_correlate_and_bench()
    {
        var (truth, proxies) = Tables(i => i switch { 0 => SssArchs[1], 1 => SssArchs[0], _ => SssArchs[i] });
        Refused(Run("correlate", "--proxies", proxies, "--truth", truth), "index 0", "do not belong together");
        Refused(Run("bench", "--space", "sss", "--strategy", "rs", "--score", "good", "--proxies", proxies, "--truth", truth,
            "--runs", "1", "--evaluations", "3", "--out", PathOf("bench.json")), "index 0", "do not belong together");
    }

    [Fact]
    public void An_empty_accuracy_is_refused()
    {
        var (truth, proxies) = Tables();
        var lines = File.ReadAllLines(truth);
        lines[3] = "2,8:8:8:16:8,1,,72";
        File.WriteAllLines(truth, lines);
        Refused(Run("correlate", "--proxies", proxies, "--truth", truth), truth, "line 4", "'test_acc' is empty");
        Refused(Run("bench", "--space", "sss", "--strategy", "rs", "--score", "good", "--proxies", proxies, "--truth", truth,
            "--runs", "1", "--evaluations", "3", "--out", PathOf("bench.json")), truth, "line 4", "'test_acc' is empty");
    }

    [Theory]
    [InlineData("--cells", "100000000", "0..16")]
    [InlineData("--channels", "1000000", "1..256")]
    [InlineData("--classes", "2000000000", "2..10000")]
    [InlineData("--input-size", "1", "4..1024")]
    [InlineData("--input-channels", "7", "1..3")]
    public void Describe_options_out_of_range_are_refused_with_the_range(string option, string value, string range)
    {
        Refused(Run("describe", "--space", "tss", "--arch", "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", option, value),
            option, range, value);
    }

    [Theory]
    [InlineData("--threads", "100000", "0..256")]
    [InlineData("--threads", "-1", "0..256")]
    [InlineData("--workers", "0", "1..64")]
    [InlineData("--batch", "1", "2..1024")]
    [InlineData("--classes", "2000000000", "2..10000")]
    [InlineData("--trim-every", "-5", "0..1000000")]
    public void Proxies_options_out_of_range_are_refused_before_any_work(string option, string value, string range)
    {
        Refused(Run("proxies", "--space", "sss", "--images", PathOf("none"), "--table", PathOf("none.csv"), "--archs", "0",
            "--proxies", "naswot", "--out", PathOf("p.csv"), option, value), option, range);
        File.Exists(PathOf("p.csv")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--threads", "two", "Cannot parse argument 'two' for option '--threads'")]  // a ranged option: its range check must not throw
    [InlineData("--batch", "1e3", "Cannot parse argument '1e3' for option '--batch'")]
    [InlineData("--layout", "NHWC", "--layout is one of channels-last, nchw; got 'NHWC'")]
    public void Proxies_options_that_are_not_of_their_kind_are_refused_by_name(string option, string value, string message)
    {
        string[] args = ["proxies", "--space", "sss", "--images", PathOf("none"), "--table", PathOf("none.csv"), "--archs", "0",
            "--proxies", "naswot", "--out", PathOf("p.csv")];
        Refused(Run([.. args, option, value]), message);
        File.Exists(PathOf("p.csv")).Should().BeFalse();
    }

    [Fact]
    public void Bench_and_select_score_ranges_and_score_weights_are_checked()
    {
        var (truth, proxies) = Tables();
        string[] bench = ["bench", "--space", "sss", "--strategy", "rs", "--proxies", proxies, "--truth", truth, "--runs", "1", "--evaluations", "3", "--out", PathOf("b.json")];
        Refused(Run([.. bench, "--score", "good", "--curve-every", "0"]), "--curve-every", "1..32768");
        Refused(Run([.. bench, "--score", "1e308*good+1e308*seconds"]), "weights must be positive and at most 1000000", "1E+308");
        Refused(Run("select-score", "--proxies", proxies, "--truth", truth, "--objective", "elite", "--min-kendall", "2"), "--min-kendall", "[-1, 1]");
        Refused(Run("correlate", "--proxies", proxies, "--truth", truth, "--elite-fraction", "0"), "--elite-fraction", "(0, 1]");
    }

    [Fact]
    public void A_kendall_floor_no_candidate_reaches_is_an_error_not_a_silent_pick()
    {
        var (truth, proxies) = Tables();
        File.WriteAllLines(proxies, ["index,arch,bad,worse,seconds", .. SssArchs.Select((a, i) => $"{i},{a},{-i * i},{-i},0.5")]);
        Refused(Run("select-score", "--proxies", proxies, "--truth", truth, "--objective", "elite", "--min-kendall", "0.5", "--folds", "2", "--elite-fraction", "0.5"),
            "No candidate reaches the Kendall tau floor of 0.5");
    }

    [Fact]
    public void An_unwritable_output_is_found_before_the_work()
    {
        var (truth, proxies) = Tables();
        string blocker = PathOf("a-file");
        File.WriteAllText(blocker, "not a folder");
        Refused(Run("bench", "--space", "sss", "--strategy", "rs", "--score", "good", "--proxies", proxies, "--truth", truth,
            "--runs", "1", "--evaluations", "3", "--out", Path.Combine(blocker, "b.json")), "--out", "cannot be written", "nothing was computed");
    }

    private string[] ProxiesArgs(string output, params string[] extra) =>
        ["proxies", "--space", "sss", "--table", BenchmarkData.File("nats-sss", "cifar10.csv"), "--archs", "0,1,2", "--proxies", "naswot,params", "--out", output,
         .. extra, .. (extra.Contains("--batch") ? Array.Empty<string>() : ["--batch", "8"]),
         .. (extra.Contains("--images") ? Array.Empty<string>() : ["--images", BenchmarkData.File("images", "cifar10-960")])];

    [BenchmarkFact]
    public void Resuming_a_table_with_other_settings_is_refused_naming_them_and_a_cut_last_line_is_recomputed()
    {
        string output = PathOf("t.csv");
        var first = Run(ProxiesArgs(output));
        first.Code.Should().Be(0, first.Err);
        Refused(Run(ProxiesArgs(output, "--resume", "--seed", "1")), output, "'seed' is 0 in the file but 1 in this run");
        Refused(Run(ProxiesArgs(output, "--resume", "--batch", "16")), "'batch' is 8x3x32x32 in the file but 16x3x32x32");
        Refused(Run(ProxiesArgs(output, "--resume", "--classes", "100")), "'classes' is 10 in the file but 100");
        Refused(Run(ProxiesArgs(output, "--resume", "--images", BenchmarkData.File("images", "cifar100-960"))), "'images'");
        // A kill mid-line leaves no final newline: that row is dropped and recomputed, not glued to the next one.
        string[] lines = File.ReadAllLines(output);
        File.WriteAllText(output, string.Join("\n", lines[..3]) + "\n" + lines[3][..^2]);
        var resumed = Run(ProxiesArgs(output, "--resume"));
        resumed.Code.Should().Be(0, resumed.Err);
        resumed.Err.Should().Contain("1 to compute (2 already");
        static string WithoutSeconds(string line) => line[..line.LastIndexOf(',')];
        File.ReadAllLines(output).Select(WithoutSeconds).Should().Equal(lines.Select(WithoutSeconds), "the same values, only the measured seconds differ");
        File.Delete(ProxiesFingerprint(output));
        Refused(Run(ProxiesArgs(output, "--resume")), "no fingerprint file");
    }

    private static string ProxiesFingerprint(string output) => output + ".fingerprint.json";

    private string[] SearchArgs(string images, int evaluations, string checkpoint) =>
        ["search", "--space", "sss", "--strategy", "rs", "--score", "naswot", "--images", images, "--evaluations", evaluations.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--batch", "8", "--checkpoint", checkpoint, "--out", PathOf("search.json")];

    [BenchmarkFact]
    public void A_checkpoint_resumed_with_other_images_or_a_smaller_budget_is_refused()
    {
        string checkpoint = PathOf("ga.json");
        string cifar10 = BenchmarkData.File("images", "cifar10-960"), cifar100 = BenchmarkData.File("images", "cifar100-960");
        var first = Run(SearchArgs(cifar10, 6, checkpoint));
        first.Code.Should().Be(0, first.Err);
        Refused(Run(SearchArgs(cifar100, 6, checkpoint)), checkpoint, "other data or settings", "'images'");
        Refused(Run([.. SearchArgs(cifar10, 6, checkpoint), "--classes", "100"]), "'classes' is 10 in the file but 100");
        Refused(Run(SearchArgs(cifar10, 3, checkpoint)), "holds 6 trials, more than this run's budget of 3");
        var same = Run(SearchArgs(cifar10, 8, checkpoint));
        same.Code.Should().Be(0, same.Err);
        // An edited checkpoint (one value changed) is refused, not replayed with the other value.
        string text = File.ReadAllText(checkpoint);
        int at = text.IndexOf("\"Ms\":", StringComparison.Ordinal) + 5;
        File.WriteAllText(checkpoint, text[..at] + (text[at] == '9' ? '8' : '9') + text[(at + 1)..]);
        Refused(Run(SearchArgs(cifar10, 10, checkpoint)), checkpoint, "integrity check");
    }
}
