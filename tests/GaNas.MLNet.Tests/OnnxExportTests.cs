using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace GaNas.Tests;

/// <summary>A model trained on CIFAR-10 PNGs, exported to ONNX, checked against ONNX Runtime and ML.NET's ApplyOnnxModel on 1,000 images.</summary>
public sealed class OnnxExportTests : IDisposable
{
    private const int Side = 32;
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-onnx-").FullName;

    public OnnxExportTests() => TestEnvironment.InitTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class ImageRow
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class OnnxInput
    {
        [VectorType(3, Side, Side)]
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }

    /// <summary>The 960 CIFAR-10 PNGs (labelled by folder) and the first 40 CIFAR-100 PNGs (unseen classes, labelled "airplane"): 1,000 images.</summary>
    private static List<ImageRow> Images()
    {
        string cifar10 = BenchmarkData.File("images", "cifar10-960");
        string cifar100 = BenchmarkData.File("images", "cifar100-960");
        var rows = Directory.GetDirectories(cifar10).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal).Select(f => new ImageRow { Path = f, Label = Path.GetFileName(d) }))
            .ToList();
        rows.AddRange(Directory.GetFiles(cifar100, "*.png", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).Take(40)
            .Select(f => new ImageRow { Path = f, Label = "airplane" }));
        return rows;
    }

    [BenchmarkFact]
    public void The_onnx_model_matches_the_mlnet_model_on_onnx_runtime_and_in_apply_onnx_model()
    {
        var ml = new MLContext(seed: 0);
        List<ImageRow> images = Images();
        images.Should().HaveCount(1000);
        IDataView data = ml.Data.LoadFromEnumerable(images);
        var options = new TrainingFreeNasOptions
        {
            ImageChannels = 3, ImageHeight = Side, ImageWidth = Side, Channels = 4, CellsPerStage = 1, Evaluations = 4,
            Epoch = 1, BatchSize = 32, NumberOfThreads = 1, AdaptToSmallData = false,
        };
        var fitted = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Features", null, nameof(ImageRow.Path)))
            .Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options))
            .Fit(ml.Data.TakeRows(data, 960));
        string zip = Path.Combine(_dir, "model.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        var loadContext = new MLContext(seed: 0);
        loadContext.Model.RegisterTrainingFreeNas();
        ITransformer loaded = loadContext.Model.Load(zip, out _);

        // The fitted transformer and the loaded chain export the same bytes.
        using var direct = new MemoryStream();
        fitted.LastTransformer.ExportOnnx(direct);
        using var converted = new MemoryStream();
        loadContext.Model.ConvertTrainingFreeNasToOnnx(loaded, data, converted);
        converted.ToArray().Should().Equal(direct.ToArray());
        string onnxPath = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(onnxPath, converted.ToArray());

        // ML.NET's scores and labels for the 1,000 images.
        IDataView scored = loadContext.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel").Fit(loaded.Transform(data)).Transform(loaded.Transform(data));
        float[][] mlnetScores = scored.GetColumn<float[]>("Score").ToArray();
        string[] mlnetLabels = scored.GetColumn<string>("PredictedText").ToArray();

        // ONNX Runtime on the same pixels, decoded and resized as the model does, in one batch.
        float[] pixels = images.SelectMany(r => ImageFeatures.Decode(File.ReadAllBytes(r.Path), 3, Side, Side, r.Path)).ToArray();
        using var session = new InferenceSession(onnxPath);
        string[] labels = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["labels"])!;
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor(pixels, [images.Count, 3, Side, Side]))]);
        float[] onnx = results.Single().AsEnumerable<float>().ToArray();
        int classes = labels.Length;
        classes.Should().Be(10);
        double maxDifference = 0;
        for (int i = 0; i < images.Count; i++)
        {
            mlnetScores[i].Should().HaveCount(classes);
            for (int k = 0; k < classes; k++) maxDifference = Math.Max(maxDifference, Math.Abs(mlnetScores[i][k] - onnx[i * classes + k]));
        }
        maxDifference.Should().BeLessThanOrEqualTo(1e-5);
        string[] onnxLabels = Enumerable.Range(0, images.Count).Select(i => labels[ArgMax(onnx.AsSpan(i * classes, classes))]).ToArray();
        onnxLabels.Should().Equal(mlnetLabels);
        mlnetLabels.Distinct().Count().Should().BeGreaterThan(1, "a trained model predicts more than one class on 1,000 images");

        // ML.NET's own ONNX scorer on the exported file predicts the same labels.
        IDataView inputs = ml.Data.LoadFromEnumerable(Enumerable.Range(0, images.Count).Select(i => new OnnxInput { Input = pixels.AsSpan(i * 3 * Side * Side, 3 * Side * Side).ToArray() }));
        IDataView applied = ml.Transforms.ApplyOnnxModel(["probabilities"], ["input"], onnxPath).Fit(inputs).Transform(inputs);
        string[] appliedLabels = applied.GetColumn<float[]>("probabilities").Select(p => labels[ArgMax(p)]).ToArray();
        appliedLabels.Should().Equal(mlnetLabels);
    }

    [Fact]
    public void A_model_without_a_ganas_network_is_refused()
    {
        var ml = new MLContext(seed: 0);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { Path = "a", Label = "b" } });
        ITransformer other = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var act = () => ml.Model.ConvertTrainingFreeNasToOnnx(other, data, new MemoryStream());
        act.Should().Throw<ArgumentException>().WithMessage("*no GaNas network*");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++) if (values[k] > values[best]) best = k;
        return best;
    }
}
