using System.IO.Compression;
using CsCheck;
using GaNas.Benchmarks;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;

namespace GaNas.Tests;

/// <summary>
/// Random single-bit corruptions of a gzip proxy table and a search checkpoint: reading either fails with
/// <see cref="InvalidDataException"/> naming the file, or gives exactly the original contents, never other values.
/// </summary>
public class HostileInputPropertyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-property-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Gen<(double Where, int Bit)> Flip = Gen.Select(Gen.Double[0, 1], Gen.Int[0, 7]);

    private static byte[] Flipped(byte[] bytes, (double Where, int Bit) flip)
    {
        byte[] copy = (byte[])bytes.Clone();
        int position = Math.Min(copy.Length - 1, (int)(flip.Where * copy.Length));
        copy[position] ^= (byte)(1 << flip.Bit);
        return copy;
    }

    [Fact]
    public void A_flipped_bit_in_a_gzip_proxy_table_errs_or_reads_the_same_table()
    {
        string plain = Path.Combine(_dir, "t.csv"), gz = Path.Combine(_dir, "t.csv.gz");
        var random = new Random(1);
        File.WriteAllLines(plain, ["index,arch,naswot,ni,seconds", .. Enumerable.Range(0, 300).Select(i => $"{i},8:8:8:8:{8 + i % 7 * 8},{random.NextDouble() * 100:R},{-random.NextDouble():R},0.25")]);
        using (var file = File.Create(gz))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
            gzip.Write(File.ReadAllBytes(plain));
        byte[] original = File.ReadAllBytes(gz);
        ProxyTable expected = ProxyTable.Read(gz);
        int errors = 0, same = 0;
        Flip.Sample(flip =>
        {
            string path = Path.Combine(_dir, "flipped.csv.gz");
            File.WriteAllBytes(path, Flipped(original, flip));
            ProxyTable table;
            try
            {
                table = ProxyTable.Read(path);
            }
            catch (InvalidDataException ex)
            {
                ex.Message.Should().Contain(path);
                errors++;
                return;
            }
            table.Indices.Should().Equal(expected.Indices);
            table.Architectures.Should().Equal(expected.Architectures);
            foreach (string proxy in expected.ProxyNames) table.Column(proxy).Should().Equal(expected.Column(proxy));
            same++;
        }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
        errors.Should().BePositive();
    }

    private sealed class LandscapeRunner : GaNas.Search.AutoML.ITrialRunner, IFingerprinted
    {
        public RunFingerprint Fingerprint => new([new KeyValuePair<string, string>("runner", "landscape")]);

        public Task<GaNas.Search.AutoML.TrialResult> RunAsync(GaNas.Search.AutoML.TrialSettings settings, CancellationToken ct)
        {
            long code = SizeSearchSpace.Instance.Encode(settings.Parameter.Genome);
            return Task.FromResult(new GaNas.Search.AutoML.TrialResult
            {
                TrialSettings = settings,
                ProxyValues = new Dictionary<string, double> { ["a"] = code % 97 + 0.5, ["b"] = Math.Sqrt(code) },
                DurationInMilliseconds = 1.25,
            });
        }

        public void Dispose() { }
    }

    [Fact]
    public async Task A_flipped_bit_in_a_checkpoint_errs_or_replays_the_same_history()
    {
        var score = HybridScore.Parse("a+b");
        string checkpoint = Path.Combine(_dir, "ga.json");
        var strategy = StrategyRegistry.Create("ga", SizeSearchSpace.Instance, score, 3);
        using var runner = new LandscapeRunner();
        await new NasExperiment().SetTuner(strategy).SetTrialRunner(runner).SetMaxModelToExplore(40).SetCheckpoint(checkpoint, every: 40).RunAsync();
        byte[] original = File.ReadAllBytes(checkpoint);
        var expected = strategy.History.Trials.Select(t => (t.TrialSettings.Parameter.Architecture, t.ProxyValues["a"], t.ProxyValues["b"], t.DurationInMilliseconds)).ToList();
        int errors = 0, same = 0;
        Flip.Sample(flip =>
        {
            string path = Path.Combine(_dir, "flipped.json");
            File.WriteAllBytes(path, Flipped(original, flip));
            var fresh = StrategyRegistry.Create("ga", SizeSearchSpace.Instance, score, 3);
            try
            {
                SearchCheckpoint.Replay(path, fresh, runner.Fingerprint, 40);
            }
            catch (InvalidDataException ex)
            {
                ex.Message.Should().Contain(path);
                errors++;
                return;
            }
            fresh.History.Trials.Select(t => (t.TrialSettings.Parameter.Architecture, t.ProxyValues["a"], t.ProxyValues["b"], t.DurationInMilliseconds))
                .Should().Equal(expected);
            same++;
        }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
        errors.Should().BePositive();
    }
}
