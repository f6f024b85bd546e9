<?php
// Built-in hash and json, a temporary file, and ctype (a php8.2-common module enabled in conf.d).
$tmp = tempnam(sys_get_temp_dir(), 'corpus');
file_put_contents($tmp, 'x');
$sha = substr(hash('sha256', file_get_contents($tmp)), 0, 8);
unlink($tmp);
echo json_encode([
  'php' => PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION,
  'sha256' => $sha,
  'ctype' => function_exists('ctype_digit') && ctype_digit('42'),
]), "\n";
