/** Why a file was not imported. Stable strings: the UI groups by them and tests assert them. */
export type SkipCode =
  | 'empty_file' // zero bytes
  | 'truncated' // the image data ends early or is corrupt
  | 'not_an_image' // content is no image format at all
  | 'unsupported_format' // an image format sharp cannot read (BMP, HEIC, PSD, ...)
  | 'too_many_pixels' // over maxPixels: likely a decompression bomb
  | 'too_large' // file over maxFileBytes
  | 'broken_symlink'
  | 'symlink_loop' // a link back to a folder on its own path
  | 'duplicate_path' // a second link to a file or folder already walked
  | 'too_deep' // folder nesting over maxDepth
  | 'unreadable' // permission denied or an I/O error
  | 'not_a_file' // socket, FIFO or device
  | 'duplicate' // same bytes as an earlier file (dedupe)
  | 'decode_failed'; // sharp failed for another reason

export interface SkippedFile {
  /** Path relative to the import root ('/'-separated; undecodable name bytes as %XX), or the uploaded name. */
  path: string;
  code: SkipCode;
  /** One sentence for the user: what was wrong. */
  reason: string;
}
