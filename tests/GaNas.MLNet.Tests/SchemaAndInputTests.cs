using GaNas.Runtime;
using GaNas.Data;
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Tests;

public class SchemaAndInputTests
{
    private readonly MLContext _ml = new(seed: 0);

    public SchemaAndInputTests() => TestEnvironment.InitTorch();

    private sealed class TextFeatures { public string Label { get; set; } = "a"; public string Features { get; set; } = "x"; }

    private sealed class SmallPixels
    {
        public string Label { get; set; } = "a";

        [VectorType(16)]
        public float[] Features { get; set; } = new float[16];
    }

    private sealed class VariablePixels { public string Label { get; set; } = "a"; public float[] Features { get; set; } = new float[16]; }

    private sealed class Bytes { public string Label { get; set; } = "a"; public byte[] Features { get; set; } = [1, 2, 3]; }

    private Exception FitError<T>(IEnumerable<T> rows, TrainingFreeNasOptions options, bool keyLabel = true) where T : class
    {
        IDataView data = _ml.Data.LoadFromEnumerable(rows);
        if (keyLabel) data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var trainer = _ml.MulticlassClassification.Trainers.TrainingFreeNas(options);
        return Assert.ThrowsAny<Exception>(() => trainer.Fit(data));
    }

    private static TrainingFreeNasOptions Options(int channels = 1, int h = 28, int w = 28) => new()
    {
        ImageChannels = channels, ImageHeight = h, ImageWidth = w, Channels = 4, Evaluations = 2, Epoch = 1, BatchSize = 4, ProxyBatchSize = 4,
        AdaptToSmallData = false, Seed = 0, NumberOfThreads = 1,  // one thread, as every test: libtorch's thread count is process-wide
    };

    [Fact]
    public void Missing_columns_are_named()
    {
        var withTarget = Options(1, 4, 4);
        withTarget.LabelColumnName = "Target";
        FitError(new[] { new SmallPixels(), new SmallPixels { Label = "b" } }, withTarget).Message.Should().Contain("Label column 'Target' not found");
        var o = Options(1, 4, 4);
        o.FeatureColumnName = "Pixels";
        FitError(new[] { new SmallPixels(), new SmallPixels { Label = "b" } }, o).Message.Should().Contain("Features column 'Pixels' not found");
    }


    [Fact]
    public void Non_key_label_is_rejected_with_the_fix()
    {
        FitError(new[] { new SmallPixels(), new SmallPixels { Label = "b" } }, Options(1, 4, 4), keyLabel: false)
            .Message.Should().Contain("'Label'").And.Contain("MapValueToKey");
    }

    [Fact]
    public void One_class_is_rejected()
    {
        FitError(new[] { new SmallPixels(), new SmallPixels() }, Options(1, 4, 4)).Message.Should().Contain("Only one class");
    }

    [Fact]
    public void Wrong_feature_types_and_sizes_are_rejected()
    {
        var rows = new[] { new SmallPixels(), new SmallPixels { Label = "b" } };
        FitError(rows, Options(1, 28, 28)).Message.Should().Contain("has 16 values").And.Contain("1x28x28 = 784");
        FitError(new[] { new TextFeatures(), new TextFeatures { Label = "b" } }, Options()).Message.Should().Contain("Features column 'Features' has type");
        FitError(new[] { new VariablePixels(), new VariablePixels { Label = "b" } }, Options(1, 4, 4)).Message.Should().Contain("unknown size");
    }

    [Fact]
    public void Empty_data_is_rejected()
    {
        IDataView data = _ml.Data.LoadFromEnumerable(new[] { new SmallPixels(), new SmallPixels { Label = "b" } });
        data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        data = _ml.Data.SkipRows(data, 1000);
        var act = () => _ml.MulticlassClassification.Trainers.TrainingFreeNas(Options(1, 4, 4)).Fit(data);
        act.Should().Throw<InvalidDataException>().WithMessage("*empty*");
    }

    [Fact]
    public void Corrupt_encoded_images_name_the_row()
    {
        FitError(new[] { new Bytes(), new Bytes { Label = "b" } }, Options(3, 8, 8)).Message.Should().Contain("Row 1").And.Contain("cannot be decoded");
        byte[] png = TestImages.Png(new DecodedImage(5, 5, 3, new byte[75]));
        byte[] cut = png[..(png.Length - 10)];
        FitError(new[] { new Bytes { Features = png }, new Bytes { Label = "b", Features = cut } }, Options(3, 8, 8)).Message.Should().Contain("Row 2").And.Contain("truncated");
    }

    /// <summary>A two-class model on encoded 3-channel images, declared 8x8, trained on every row.</summary>
    private TransformerChain<TrainingFreeNasTransformer> FitOnBytes(IEnumerable<Bytes> rows)
    {
        var options = Options(3, 8, 8);
        options.ValidationSetFraction = 0;
        return _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(_ml.Data.LoadFromEnumerable(rows));
    }

    private float[][] Scores(ITransformer model, IEnumerable<Bytes> rows) => model.Transform(_ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();

    /// <summary>Rows of 8x8 RGB noise as PNG bytes, labelled alternately.</summary>
    private static List<Bytes> NoisePngs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var pixels = new byte[8 * 8 * 3];
            random.NextBytes(pixels);
            return new Bytes { Label = Label(i), Features = TestImages.Png(new DecodedImage(8, 8, 3, pixels)) };
        }).ToList();
    }

    private static string Label(int i) => (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Encoded_images_of_other_sizes_and_formats_are_resized_alike_at_training_and_prediction()
    {
        var random = new Random(2);
        DecodedImage Noise(int w, int h) { var p = new byte[w * h * 3]; random.NextBytes(p); return new DecodedImage(w, h, 3, p); }
        var images = Enumerable.Range(0, 12).Select(_ => Noise(16, 12)).ToList();
        // The same images as 16x12 BMPs and already resized to the declared 8x8 (BMP is lossless).
        var large = images.Select((im, i) => new Bytes { Label = Label(i), Features = TestImages.Bmp(im) }).ToList();
        var resized = images.Select((im, i) => new Bytes { Label = Label(i), Features = TestImages.Bmp(ImageResize.To(im, 8, 8)) }).ToList();
        var fromLarge = FitOnBytes(large);
        var fromResized = FitOnBytes(resized);
        float[][] expected = Scores(fromResized, resized);
        // Training resized the large images exactly as ImageResize does: the two models are the same network.
        Scores(fromLarge, resized).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        // Prediction resizes them the same way too.
        Scores(fromLarge, large).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        // Other formats and sizes go through the same decoder.
        var mixed = images.Select((im, i) => new Bytes { Label = Label(i), Features = i % 2 == 0 ? TestImages.Png(ImageResize.To(im, 5, 5)) : TestImages.Jpeg(im) }).ToList();
        Scores(fromLarge, mixed).Should().HaveCount(12).And.OnlyContain(s => s.Length == 2 && s.All(float.IsFinite));
    }

    [Fact]
    public void A_corrupt_image_in_a_later_batch_is_reported_with_its_row_once_the_rows_before_it_are_served()
    {
        var rows = NoisePngs(600, seed: 4);
        var model = FitOnBytes(rows.Take(24));
        rows[299] = new Bytes { Label = Label(299), Features = rows[299].Features[..20] };
        // The scoring view's own cursor: the steps after it may read ahead on worker threads, as ML.NET allows.
        BatchedScoringView? view = null;
        BatchedScoring.Apply(model, _ml.Data.LoadFromEnumerable(rows), v => view = v).Schema.Should().NotBeNull();
        using var cursor = view!.GetRowCursor([view.Schema[nameof(ScoringOutput.GaNasPaddedScore)]]);
        var score = cursor.GetGetter<VBuffer<float>>(cursor.Schema[nameof(ScoringOutput.GaNasPaddedScore)]);
        VBuffer<float> value = default;
        int served = 0;
        var act = () =>
        {
            while (cursor.MoveNext())
            {
                score(ref value);
                served++;
            }
        };
        act.Should().Throw<InvalidDataException>().WithMessage("*Row 300*");
        served.Should().Be(256, "rows 1-256 are the first batch; the second batch holds the damaged row (batches are read ahead, errors are not)");
    }

    [Fact]
    public void Encoded_png_bytes_train_and_predict()
    {
        var rows = NoisePngs(24, seed: 1);
        Scores(FitOnBytes(rows), rows).Should().HaveCount(24).And.OnlyContain(s => s.Length == 2);
    }

    [Fact]
    public void Cancellation_before_the_search_ends_says_no_model_is_available()
    {
        using var cts = new CancellationTokenSource();
        var options = Options(1, 4, 4);
        options.Evaluations = 1000;
        options.CancellationToken = cts.Token;
        options.Progress = new SyncProgress<TrainingFreeNasProgress>(p => { if (p.Phase == "search" && p.Done == 2) cts.Cancel(); });
        var ex = (TrainingFreeNasCancelledException)FitError(Enumerable.Range(0, 8).Select(i => new SmallPixels { Label = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) }), options);
        ex.ModelAvailable.Should().BeFalse();
        ex.Message.Should().Contain("no model is available");
    }

    [Fact]
    public void Cancellation_during_training_returns_the_best_model_so_far()
    {
        using var cts = new CancellationTokenSource();
        var options = Options(1, 4, 4);
        options.Epoch = 50;
        options.ValidationSetFraction = 0.25;
        options.CancellationToken = cts.Token;
        options.MetricsCallback = m => { if (m.Epoch == 1) cts.Cancel(); };
        var rows = Enumerable.Range(0, 16).Select(i => new SmallPixels { Label = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = (TrainingFreeNasCancelledException)FitError(rows, options);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
        ex.ModelAvailable.Should().BeTrue();
        ex.Model!.Summary.TrainingCurve.Should().HaveCount(1);
    }

    private IDataView TwoClassPixels(int count, int seed) => PixelRows.TwoClass(_ml, count, seed);

    [Fact]
    public void The_default_score_on_the_size_space_is_srk_and_rk_stays_available()
    {
        IDataView data = TwoClassPixels(24, seed: 5);
        TrainingFreeNasTransformer Fit(string? score)
        {
            var options = Options(1, 4, 4);
            options.SearchSpace = NasSearchSpace.Size;
            options.Evaluations = 4;
            options.Epoch = 1;
            options.ValidationSetFraction = 0;
            if (score is not null) options.Score = score;
            return _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(data).LastTransformer;
        }
        var byDefault = Fit(null);
        byDefault.Summary.Score.Should().Be("csrk");
        byDefault.Summary.ProxyValues.Keys.Should().BeEquivalentTo(["az_progressivity", "logsynflow", "params", "synflow", "az_expressivity"]);
        GaNas.SearchSpaces.SizeSearchSpace.Instance.Parse(byDefault.Architecture).Should().NotBeNull();
        Fit("rk").Summary.Score.Should().Be("rk");
    }

    [Fact]
    public void Concurrent_search_workers_choose_the_same_architecture()
    {
        IDataView data = TwoClassPixels(40, seed: 4);
        string Chosen(int workers)
        {
            var options = Options(1, 4, 4);
            options.Evaluations = 12;
            options.Epoch = 1;
            options.SearchWorkers = workers;
            options.NumberOfThreads = 1;
            var model = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(data);
            return model.LastTransformer.Architecture;
        }
        Chosen(2).Should().Be(Chosen(1));
        var invalid = Options();
        invalid.SearchWorkers = 0;
        var act = () => _ml.MulticlassClassification.Trainers.TrainingFreeNas(invalid);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SearchWorkers*");
    }
}
