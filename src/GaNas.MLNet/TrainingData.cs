using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace GaNas.MLNet;

/// <summary>The training rows read out of an IDataView: planar float pixels and 0-based class indices.</summary>
internal sealed class TrainingData
{
    public required float[] Pixels { get; init; }
    public required long[] Labels { get; init; }
    public required int Count { get; init; }
    public required int Classes { get; init; }
    public required string[] LabelNames { get; init; }
    public required bool EncodedImages { get; init; }

    /// <summary>Checks the input schema; every message names the column and the problem.</summary>
    public static (int Classes, bool EncodedImages) CheckSchema(DataViewSchema schema, TrainingFreeNasOptions options)
    {
        var label = schema.GetColumnOrNull(options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' not found (columns: {string.Join(", ", schema.Select(c => c.Name))}).");
        if (label.Type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' has type {label.Type}; it must be a key type: apply mlContext.Transforms.Conversion.MapValueToKey(\"{options.LabelColumnName}\") first.");
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' is a key of {key.RawType.Name}; a key of UInt32 is expected (MapValueToKey produces it).");
        if (key.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Only one class found in the Label column '{options.LabelColumnName}'; a classifier needs at least two.");
        if (key.Count > TrainingFreeNasLimits.MaxClasses)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' has {key.Count} classes; at most {TrainingFreeNasLimits.MaxClasses} are supported.");
        var features = schema.GetColumnOrNull(options.FeatureColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Features column '{options.FeatureColumnName}' not found (columns: {string.Join(", ", schema.Select(c => c.Name))}).");
        int expected = options.ImageChannels * options.ImageHeight * options.ImageWidth;
        switch (features.Type)
        {
            case VectorDataViewType v when v.ItemType == NumberDataViewType.Single:
                if (v.Size != expected)
                    throw new ArgumentOutOfRangeException(nameof(schema), v.Size == 0
                        ? $"Features column '{options.FeatureColumnName}' is a float vector of unknown size; a known size of {options.ImageChannels}x{options.ImageHeight}x{options.ImageWidth} = {expected} is needed (ExtractPixels produces it)."
                        : $"Features column '{options.FeatureColumnName}' has {v.Size} values, but ImageChannels x ImageHeight x ImageWidth = {options.ImageChannels}x{options.ImageHeight}x{options.ImageWidth} = {expected}.");
                return ((int)key.Count, false);
            case VectorDataViewType v when v.ItemType == NumberDataViewType.Byte:
                return ((int)key.Count, true);
            default:
                throw new ArgumentOutOfRangeException(nameof(schema), $"Features column '{options.FeatureColumnName}' has type {features.Type}; expected a float vector of pixels (ExtractPixels) or raw image bytes (LoadRawImageBytes).");
        }
    }

    /// <summary>Reads every row; rows with a missing label or an unreadable image are errors naming the row.</summary>
    public static TrainingData Read(IDataView data, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Empty data first: an empty IDataView's label key has no classes, which would otherwise read as "one class".
        if (IsEmpty(data)) throw new InvalidDataException($"The data are empty: no rows (columns: {string.Join(", ", data.Schema.Select(c => c.Name))}).");
        var (classes, encoded) = CheckSchema(data.Schema, options);
        var labelColumn = data.Schema[options.LabelColumnName];
        var featureColumn = data.Schema[options.FeatureColumnName];
        int length = options.ImageChannels * options.ImageHeight * options.ImageWidth;
        var pixels = new List<float[]>();
        var labels = new List<long>();
        using (var cursor = data.GetRowCursor([labelColumn, featureColumn]))
        {
            var labelGetter = cursor.GetGetter<uint>(labelColumn);
            ValueGetter<VBuffer<float>>? floatGetter = encoded ? null : cursor.GetGetter<VBuffer<float>>(featureColumn);
            ValueGetter<VBuffer<byte>>? byteGetter = encoded ? cursor.GetGetter<VBuffer<byte>>(featureColumn) : null;
            uint label = 0;
            VBuffer<float> floats = default;
            VBuffer<byte> bytes = default;
            long row = 0;
            while (cursor.MoveNext())
            {
                row++;
                options.CancellationToken.ThrowIfCancellationRequested();
                labelGetter(ref label);
                if (label == 0) throw new InvalidDataException($"Row {row}: the label in column '{options.LabelColumnName}' is missing (key 0); remove such rows or map them to a class.");
                float[] image;
                if (encoded)
                {
                    byteGetter!(ref bytes);
                    image = ImageFeatures.Decode(bytes.DenseValues().ToArray(), options.ImageChannels, options.ImageHeight, options.ImageWidth, $"Row {row} of column '{options.FeatureColumnName}'");
                }
                else
                {
                    floatGetter!(ref floats);
                    image = new float[length];
                    floats.CopyTo(image);
                    foreach (float v in image)
                    {
                        if (!float.IsFinite(v)) throw new InvalidDataException($"Row {row}: column '{options.FeatureColumnName}' holds a non-finite value ({v}).");
                    }
                }
                pixels.Add(image);
                labels.Add(label - 1);
            }
        }
        if (pixels.Count == 0) throw new InvalidDataException($"The training data is empty: no rows in columns '{options.LabelColumnName}' and '{options.FeatureColumnName}'.");
        if (pixels.Count < 2) throw new InvalidDataException("The training data has a single row; at least two are needed.");
        var all = new float[pixels.Count * length];
        for (int i = 0; i < pixels.Count; i++) pixels[i].CopyTo(all, i * length);
        return new TrainingData
        {
            Pixels = all,
            Labels = labels.ToArray(),
            Count = pixels.Count,
            Classes = classes,
            LabelNames = ReadLabelNames(labelColumn, classes),
            EncodedImages = encoded,
        };
    }

    private static bool IsEmpty(IDataView data)
    {
        if (data.GetRowCount() is long n) return n == 0;
        using var cursor = data.GetRowCursor([]);
        return !cursor.MoveNext();
    }

    /// <summary>The label's key values as text, or "1".."K" when it has none.</summary>
    private static string[] ReadLabelNames(DataViewSchema.Column label, int classes)
    {
        var kv = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (kv?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.GetKeyValues(ref values);
            string[] names = values.DenseValues().Select(v => v.ToString()).ToArray();
            if (names.Length == classes && names.Distinct().Count() == classes) return names;
        }
        return Enumerable.Range(1, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Per-channel mean and standard deviation in the features' own units.</summary>
    public (double[] Mean, double[] Std) Normalization(int channels, int height, int width)
    {
        int plane = height * width;
        var mean = new double[channels];
        var sq = new double[channels];
        for (int i = 0; i < Count; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                int start = (i * channels + c) * plane;
                double s = 0, s2 = 0;
                for (int p = start; p < start + plane; p++) { s += Pixels[p]; s2 += (double)Pixels[p] * Pixels[p]; }
                mean[c] += s;
                sq[c] += s2;
            }
        }
        double n = (double)Count * plane;
        var std = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            mean[c] /= n;
            std[c] = Math.Sqrt(Math.Max(sq[c] / n - mean[c] * mean[c], 1e-12));
        }
        return (mean, std);
    }

    /// <summary>Normalised images as an N x C x H x W tensor.</summary>
    public Tensor Images(int channels, int height, int width, double[] mean, double[] std)
    {
        using var scope = NewDisposeScope();
        Tensor t = tensor(Pixels, [Count, channels, height, width]);
        Tensor m = tensor(mean.Select(v => (float)v).ToArray()).view(1, channels, 1, 1);
        Tensor s = tensor(std.Select(v => (float)v).ToArray()).view(1, channels, 1, 1);
        return t.sub(m).div_(s).MoveToOuterDisposeScope();
    }
}
