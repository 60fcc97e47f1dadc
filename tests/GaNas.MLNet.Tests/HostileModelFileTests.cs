using System.Diagnostics;
using CsCheck;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GaNas.MLNet;
using GaNas.Networks;
using GaNas.SearchSpaces;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Tests;

/// <summary>Saved models that lie: headers that claim too much, altered weights, tampered identities, random byte flips.</summary>
public class HostileModelFileTests
{
    public HostileModelFileTests() => TestEnvironment.InitTorch();

    private const string Cell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    private static NetworkHeader Header(string[]? labels = null) =>
        new("tss", Cell, 2, 4, 1, 1, 4, 4, [0.5], [0.25], labels ?? ["a", "b"]);

    /// <summary>A genuine serialised network: 4x4 grey images, C = 4, N = 1, two classes.</summary>
    private static byte[] GenuineBlob(string[]? labels = null)
    {
        var options = new NetworkOptions { Classes = 2, Channels = 4, CellsPerStage = 1, InputChannels = 1, Seed = 1 };
        CellNetwork network = TopologySearchSpace.Instance.BuildNetwork(TopologySearchSpace.Instance.Parse(Cell), options);
        return NetworkModel.Register(Header(labels), network).ToBytes();
    }

    private const int Prefix = 8 + 4 + 32;

    /// <summary>The blob with its JSON header edited and the hash recomputed, as an attacker who knows the format would.</summary>
    private static byte[] WithHeader(byte[] blob, Action<JsonObject> edit)
    {
        int length = BitConverter.ToInt32(blob, Prefix);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(blob, Prefix + 4, length))!.AsObject();
        edit(json);
        byte[] header = Encoding.UTF8.GetBytes(json.ToJsonString());
        byte[] body = [.. BitConverter.GetBytes(header.Length), .. header, .. blob[(Prefix + 4 + length)..]];
        return [.. blob[..12], .. SHA256.HashData(body), .. body];
    }

    [Theory]
    [InlineData("CellsPerStage", "100000000")]
    [InlineData("Channels", "2000")]
    [InlineData("Classes", "5000")]
    [InlineData("Height", "1000000")]
    [InlineData("InputChannels", "7")]
    [InlineData("Std", "[0]")]
    [InlineData("Mean", "[0.5, 0.5]")]
    [InlineData("Labels", "[\"a\"]")]
    [InlineData("Labels", "[\"a\", \"a\"]")]
    [InlineData("Space", "\"nosuch\"")]
    [InlineData("Architecture", "\"|bogus~0|\"")]
    public void A_header_that_claims_too_much_is_refused_before_anything_is_allocated(string field, string value)
    {
        byte[] hostile = WithHeader(GenuineBlob(), h => h[field] = JsonNode.Parse(value));
        var watch = Stopwatch.StartNew();
        var act = () => NetworkModel.FromBytes(hostile);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain($"{field} =");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_changed_weight_byte_fails_the_integrity_check()
    {
        byte[] blob = GenuineBlob();
        foreach (int position in new[] { blob.Length - 1, blob.Length / 2, Prefix + 2 })
        {
            byte[] flipped = (byte[])blob.Clone();
            flipped[position] ^= 0x10;
            var act = () => NetworkModel.FromBytes(flipped);
            act.Should().Throw<InvalidDataException>().WithMessage("*integrity check*");
        }
        NetworkModel.FromBytes(blob).Header.Architecture.Should().Be(Cell);
    }

    [Fact]
    public void Version_1_files_without_a_hash_are_refused_with_the_fix()
    {
        byte[] blob = GenuineBlob();
        BitConverter.GetBytes(1).CopyTo(blob, 8);
        var act = () => NetworkModel.FromBytes(blob);
        act.Should().Throw<InvalidDataException>().WithMessage("*version 1*fit and save the model again*");
    }

    [Fact]
    public void The_cache_is_keyed_by_content_and_bounded()
    {
        byte[] genuine = GenuineBlob();
        NetworkModel first = NetworkModel.FromBytes(genuine);
        float[] before = first.Predict(new float[16]);
        // A different network with a valid hash is a different cache entry: it cannot stand in for the genuine one.
        byte[] other = WithHeader(genuine, h => h["Labels"] = JsonNode.Parse("[\"x\", \"y\"]"));
        NetworkModel.FromBytes(other).Should().NotBeSameAs(first);
        NetworkModel.FromBytes(genuine).Predict(new float[16]).Should().Equal(before);
        for (int i = 0; i < NetworkModel.CacheCapacity + 4; i++)
            NetworkModel.FromBytes(WithHeader(genuine, h => h["Labels"] = JsonNode.Parse($"[\"a{i}\", \"b{i}\"]")));
        NetworkModel.CachedCount.Should().BeLessThanOrEqualTo(NetworkModel.CacheCapacity);
    }

    [Fact]
    public void A_flipped_bit_in_a_network_blob_errs_or_predicts_identically()
    {
        byte[] genuine = GenuineBlob(["p", "q"]);
        var input = Enumerable.Range(0, 16).Select(i => i / 16f).ToArray();
        float[] expected = NetworkModel.FromBytes(genuine).Predict(input);
        int errors = 0, same = 0;
        Gen.Select(Gen.Int[0, genuine.Length - 1], Gen.Int[0, 7]).Sample((position, bit) =>
        {
            byte[] flipped = (byte[])genuine.Clone();
            flipped[position] ^= (byte)(1 << bit);
            float[] scores;
            try
            {
                scores = NetworkModel.FromBytes(flipped).Predict(input);
            }
            catch (InvalidDataException)
            {
                errors++;
                return;
            }
            scores.Should().Equal(expected, $"byte {position}, bit {bit}");
            same++;
        }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
        errors.Should().Be(300, "every byte of the blob is covered by the magic, the version or the hash");
    }

    [Fact]
    public void A_saved_model_with_one_random_byte_flipped_errs_or_predicts_identically()
    {
        var ml = new MLContext(seed: 0);
        IDataView data = PixelRows.TwoClass(ml, 24, seed: 5);
        var options = new TrainingFreeNasOptions
        {
            ImageChannels = 1, ImageHeight = 4, ImageWidth = 4, Channels = 4, Evaluations = 2, Epoch = 1, BatchSize = 4, ProxyBatchSize = 4,
            NumberOfThreads = 1, AdaptToSmallData = false, Seed = 0,
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(data);
        string directory = Directory.CreateTempSubdirectory("ganas-flip-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.zip");
            ml.Model.Save(model, data.Schema, path);
            byte[] bytes = File.ReadAllBytes(path);
            float[][] expected = model.Transform(data).GetColumn<float[]>("Score").ToArray();
            var flips = new Random(11);
            int errors = 0, identical = 0;
            for (int trial = 0; trial < 200; trial++)
            {
                byte[] copy = (byte[])bytes.Clone();
                int position = flips.Next(copy.Length);
                copy[position] ^= (byte)(1 << flips.Next(8));
                string flippedPath = Path.Combine(directory, $"flipped{trial}.zip");
                File.WriteAllBytes(flippedPath, copy);
                var watch = Stopwatch.StartNew();
                long memoryBefore = GC.GetTotalMemory(false), residentBefore = Environment.WorkingSet;
                float[][]? scores = null;
                try
                {
                    var fresh = new MLContext(seed: 0);
                    fresh.Model.RegisterTrainingFreeNas();
                    scores = fresh.Model.LoadTrainingFreeNas(flippedPath, out _).Transform(data).GetColumn<float[]>("Score").ToArray();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    errors++;
                }
                watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), $"trial {trial} (byte {position})");
                (GC.GetTotalMemory(false) - memoryBefore).Should().BeLessThan(1L << 30, $"trial {trial} (byte {position}): managed memory");
                (Environment.WorkingSet - residentBefore).Should().BeLessThan(1L << 30, $"trial {trial} (byte {position}): resident memory, native included");
                if (scores is null) continue;
                scores.Should().HaveCount(expected.Length, $"trial {trial} (byte {position})");
                for (int r = 0; r < expected.Length; r++) scores[r].Should().Equal(expected[r], $"trial {trial} (byte {position}), row {r}");
                identical++;
                File.Delete(flippedPath);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
