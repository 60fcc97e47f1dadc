using Microsoft.ML;
using Microsoft.ML.Data;
using GaNas.Training;
using static TorchSharp.torch;

namespace GaNas.MLNet;

/// <summary>
/// The training rows read out of an IDataView: the images once, as an N x C x H x W tensor of raw values (uint8
/// whenever every value is a whole number in 0..255, as decoded images always are; float32 otherwise), and 0-based
/// class indices. Normalisation happens batch by batch (<see cref="InputNormalization"/>), so memory holds one compact copy.
/// </summary>
internal sealed class TrainingData : IDisposable
{
    public required Tensor Images { get; init; }
    public required long[] Labels { get; init; }
    public required int Count { get; init; }
    public required int Classes { get; init; }
    public required string[] LabelNames { get; init; }
    public required bool EncodedImages { get; init; }

    public void Dispose() => Images.Dispose();

    /// <summary>Reads every row; rows with a missing label or an unreadable image are errors naming the row.</summary>
    public static TrainingData Read(IDataView data, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Empty data first: an empty IDataView's label key has no classes, which would otherwise read as "one class".
        if (IsEmpty(data)) throw new InvalidDataException($"The data are empty: no rows (columns: {string.Join(", ", data.Schema.Select(c => c.Name))}).");
        var (classes, encoded) = InputSchema.Check(data.Schema, options);
        var labelColumn = data.Schema[options.LabelColumnName];
        var featureColumn = data.Schema[options.FeatureColumnName];
        int length = options.ImageChannels * options.ImageHeight * options.ImageWidth;
        long count = CountRows(data, options.CancellationToken);
        if (count < 2) throw new InvalidDataException("The training data has a single row; at least two are needed.");
        if (count > int.MaxValue) throw new InvalidDataException($"The training data have {count} rows; at most {int.MaxValue} are supported.");
        long[] shape = [count, options.ImageChannels, options.ImageHeight, options.ImageWidth];
        Tensor store = empty(shape, ScalarType.Byte);
        try
        {
            var labels = new long[count];
            var compact = new byte[length];
            long row = 0;
            using (var cursor = data.GetRowCursor([labelColumn, featureColumn]))
            {
                var labelGetter = cursor.GetGetter<uint>(labelColumn);
                ValueGetter<VBuffer<float>>? floatGetter = encoded ? null : cursor.GetGetter<VBuffer<float>>(featureColumn);
                ValueGetter<VBuffer<byte>>? byteGetter = encoded ? cursor.GetGetter<VBuffer<byte>>(featureColumn) : null;
                uint label = 0;
                VBuffer<float> floats = default;
                VBuffer<byte> bytes = default;
                var image = new float[length];
                while (cursor.MoveNext())
                {
                    if (row == count) throw new InvalidDataException($"The data yielded more rows than the {count} it counted; pass a data view whose rows do not change between reads.");
                    options.CancellationToken.ThrowIfCancellationRequested();
                    labelGetter(ref label);
                    if (label == 0) throw new InvalidDataException($"Row {row + 1}: the label in column '{options.LabelColumnName}' is missing (key 0); remove such rows or map them to a class.");
                    labels[row] = label - 1;
                    if (encoded)
                    {
                        byteGetter!(ref bytes);
                        byte[] planar = ImageFeatures.DecodePlanar(bytes.DenseValues().ToArray(), options.ImageChannels, options.ImageHeight, options.ImageWidth, $"Row {row + 1} of column '{options.FeatureColumnName}'");
                        store.data<byte>().CopyFrom(planar, 0, row * length);
                    }
                    else
                    {
                        floatGetter!(ref floats);
                        floats.CopyTo(image);
                        bool whole = true;
                        for (int i = 0; i < length; i++)
                        {
                            float v = image[i];
                            if (!float.IsFinite(v)) throw new InvalidDataException($"Row {row + 1}: column '{options.FeatureColumnName}' holds a non-finite value ({v}).");
                            if (whole && v is >= 0 and <= 255 && v == MathF.Floor(v)) compact[i] = (byte)v;
                            else whole = false;
                        }
                        if (whole && store.dtype == ScalarType.Byte)
                        {
                            store.data<byte>().CopyFrom(compact, 0, row * length);
                        }
                        else
                        {
                            // The first value that is not a whole 0..255 number: the rest of the set is kept as float32.
                            if (store.dtype == ScalarType.Byte)
                            {
                                Tensor wide = store.to_type(ScalarType.Float32);
                                store.Dispose();
                                store = wide;
                            }
                            store.data<float>().CopyFrom(image, 0, row * length);
                        }
                    }
                    row++;
                }
            }
            if (row != count) throw new InvalidDataException($"The data yielded {row} rows but counted {count}; pass a data view whose rows do not change between reads.");
            return new TrainingData
            {
                Images = store,
                Labels = labels,
                Count = (int)count,
                Classes = classes,
                LabelNames = ReadLabelNames(labelColumn, classes),
                EncodedImages = encoded,
            };
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static long CountRows(IDataView data, CancellationToken ct)
    {
        if (data.GetRowCount() is long n) return n;
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            if ((++count & 0xFFF) == 0) ct.ThrowIfCancellationRequested();
        }
        return count;
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

    /// <summary>Per-channel mean and standard deviation of the training rows, in the features' own units.</summary>
    public InputNormalization Normalization()
    {
        int channels = (int)Images.shape[1];
        int plane = (int)(Images.shape[2] * Images.shape[3]);
        var mean = new double[channels];
        var sq = new double[channels];
        const int Chunk = 256;
        for (int first = 0; first < Count; first += Chunk)
        {
            using Tensor rows = Images.narrow(0, first, Math.Min(Chunk, Count - first));
            // Every value is summed as a double, image by image and channel by channel, whatever the storage type.
            if (rows.dtype == ScalarType.Byte) Accumulate(rows.data<byte>().ToArray(), v => v, plane, channels, mean, sq);
            else Accumulate(rows.data<float>().ToArray(), v => v, plane, channels, mean, sq);
        }
        return InputNormalization.FromMoments(mean, sq, (double)Count * plane);
    }

    /// <summary>Adds each plane's sum and sum of squares to its channel's totals.</summary>
    private static void Accumulate<T>(T[] values, Func<T, double> value, int plane, int channels, double[] sum, double[] sumOfSquares)
    {
        for (int start = 0; start < values.Length; start += plane)
        {
            int c = start / plane % channels;
            double s = 0, s2 = 0;
            for (int p = start; p < start + plane; p++)
            {
                double v = value(values[p]);
                s += v;
                s2 += v * v;
            }
            sum[c] += s;
            sumOfSquares[c] += s2;
        }
    }
}
