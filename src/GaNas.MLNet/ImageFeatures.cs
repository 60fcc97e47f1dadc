using GaNas.Data;

namespace GaNas.MLNet;

/// <summary>
/// Turns encoded image bytes (LoadRawImageBytes) into planar pixels of the declared shape, with the core's one
/// decoder (<see cref="ImageDecoder"/>: JPEG, PNG, BMP, GIF) and, when the image has another size, its resize
/// (<see cref="ImageResize"/>), so training and prediction see the same pixels.
/// </summary>
internal static class ImageFeatures
{
    /// <summary>Decodes an image to Channels x Height x Width floats in 0..255; errors name the row and the problem.</summary>
    public static float[] Decode(ReadOnlySpan<byte> encoded, int channels, int height, int width, string row) =>
        Array.ConvertAll(DecodePlanar(encoded, channels, height, width, row), v => (float)v);

    /// <summary>Decodes an image to Channels x Height x Width bytes (planar); errors name the row and the problem.</summary>
    public static byte[] DecodePlanar(ReadOnlySpan<byte> encoded, int channels, int height, int width, string row)
    {
        if (encoded.Length == 0) throw new InvalidDataException($"{row}: the image is empty.");
        DecodedImage image = ImageResize.To(ImageDecoder.Decode(encoded.ToArray(), channels, row), width, height);
        int plane = width * height;
        var pixels = new byte[channels * plane];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < channels; c++) pixels[c * plane + p] = image.Pixels[p * channels + c];
        }
        return pixels;
    }
}
